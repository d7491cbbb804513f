// Misuse: a `hazptr::collections::HashMap` of borrowed values: a replaced value is freed by a
// later reclamation, possibly after the borrow ended.
// Write instead: owned values (`String` instead of `&str`).
use hazptr::collections::HashMap;

fn main() {
    let text = String::from("borrowed");
    let map: HashMap<u32, &str> = HashMap::new();
    map.insert(1, text.as_str());
}
