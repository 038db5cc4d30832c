/// Moves `value` out, leaving `replacement` in its place (C++'s
/// `std::exchange`). For fields of a value that is released right after:
/// reading such a field copies it (a retain now, a release when the value
/// goes), where moving it out costs neither.
@inline(__always)
func take<Value>(_ value: inout Value, leaving replacement: Value) -> Value {
    var taken = replacement
    swap(&taken, &value)
    return taken
}
