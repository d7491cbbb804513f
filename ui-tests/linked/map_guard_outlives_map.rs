// Misuse: a guard of a `hazptr::collections::HashMap` value kept after the map is dropped (the
// drop frees every entry at once).
// Write instead: drop the guard first, or keep the map alive (in an `Arc`, a `static`).
use hazptr::collections::HashMap;

fn main() {
    let value = {
        let map = HashMap::new();
        map.insert(1, "one".to_string());
        map.get(&1).unwrap()
    };
    println!("{}", *value);
}
