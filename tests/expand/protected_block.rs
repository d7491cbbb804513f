// `protected!` with two bindings, one a `let … else`: one `HazardSet` of two hazard pointers,
// each binding borrowing its own; the invocation is replaced by its expansion in place.
use hazptr::protected;

fn first_two(list: &List) -> Option<(u64, u64)> {
    protected! {
        let Some(head) = list.head else { return None };
        let tail = list.tail;
    }
    Some((head.value, tail?.value))
}
