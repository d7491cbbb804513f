// Misuse: `protected!` with no bindings (it protects nothing).
// Write instead: `protected!(let config = svc.config);`.
fn main() {
    hazptr::protected!();
    hazptr::protected! {}
}
