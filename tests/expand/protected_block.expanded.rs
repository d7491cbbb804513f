use hazptr::protected;
fn first_two(list: &List) -> Option<(u64, u64)> {
    let mut hazards = ::hazptr::__private::HazardSet::<_, 2usize>::acquire();
    let [hazard_0, hazard_1] = hazards.slots();
    let Some(head) = ::hazptr::__private::protect(
        hazard_0,
        ::hazptr::__private::HazptrAtomicPtr::as_atomic_ptr(&list.head),
    ) else { return None };
    let tail = ::hazptr::__private::protect(
        hazard_1,
        ::hazptr::__private::HazptrAtomicPtr::as_atomic_ptr(&list.tail),
    );
    Some((head.value, tail?.value))
}
