// Misuse: `rename` without a name, with a string, with a number and with two words.
// Write instead: `#[hazard(rename = name)]`, an identifier without quotes.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Service {
    #[hazard(rename)]
    a: AtomicPtr<String>,
    #[hazard(rename = "config")]
    b: AtomicPtr<String>,
    #[hazard(rename = 2)]
    c: AtomicPtr<String>,
    #[hazard(rename = route table)]
    d: AtomicPtr<String>,
}

fn main() {}
