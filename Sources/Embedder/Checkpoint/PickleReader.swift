/// Decodes one pickle (protocols 2–4 subset) from a byte buffer: the opcodes and globals a legacy PyTorch
/// checkpoint uses, nothing more. Anything else — another opcode, an unknown class, a call other than
/// `OrderedDict()` or `torch._utils._rebuild_tensor_v2(…)` — fails with a `PickleError`, so a file that
/// is not such a checkpoint is never half-understood. No code is ever executed.
public struct PickleReader {
    private let bytes: [UInt8]
    private var position: Int
    private var stack: [Node] = []
    private var marks: [Int] = []
    private var memo: [Int: Node] = [:]
    private var opcodeOffset = 0

    /// Reads the pickle starting at `position` in `bytes`; on return `position` is just past its STOP.
    public static func read(_ bytes: [UInt8], at position: inout Int) throws(PickleError) -> PickleValue {
        var reader = PickleReader(bytes: bytes, position: position)
        let value = try reader.run()
        position = reader.position
        return value
    }

    private init(bytes: [UInt8], position: Int) {
        self.bytes = bytes
        self.position = position
    }

    // MARK: - Machine

    private mutating func run() throws(PickleError) -> PickleValue {
        while true {
            opcodeOffset = position
            let op = try byte()
            switch op {
            case 0x80: _ = try byte()                                   // PROTO
            case 0x95: _ = try fixed(8)                                 // FRAME (a hint only)
            case 0x2E: return try freeze(pop())                         // STOP
            case 0x28: marks.append(stack.count)                        // MARK
            case 0x4E: stack.append(.value(.none))                      // NONE
            case 0x88: stack.append(.value(.bool(true)))                // NEWTRUE
            case 0x89: stack.append(.value(.bool(false)))               // NEWFALSE
            case 0x4B: stack.append(.value(.int(Int(try fixed(1)))))    // BININT1
            case 0x4D: stack.append(.value(.int(Int(try fixed(2)))))    // BININT2
            case 0x4A: stack.append(.value(.int(Int(Int32(truncatingIfNeeded: try fixed(4))))))  // BININT
            case 0x8A: stack.append(.value(try long1()))                // LONG1
            case 0x58: stack.append(.value(.string(try text(length: Int(try fixed(4))))))  // BINUNICODE
            case 0x8C: stack.append(.value(.string(try text(length: Int(try fixed(1))))))  // SHORT_BINUNICODE
            case 0x29: stack.append(.tuple([]))                         // EMPTY_TUPLE
            case 0x85: stack.append(.tuple(try pop(1)))                 // TUPLE1
            case 0x86: stack.append(.tuple(try pop(2)))                 // TUPLE2
            case 0x87: stack.append(.tuple(try pop(3)))                 // TUPLE3
            case 0x74: stack.append(.tuple(try popMark()))              // TUPLE
            case 0x5D: stack.append(.list(ListBox()))                   // EMPTY_LIST
            case 0x7D: stack.append(.dict(DictBox()))                   // EMPTY_DICT
            case 0x61: try append(pop(1))                               // APPEND
            case 0x65: try append(popMark())                            // APPENDS
            case 0x73: try setItems(pop(2))                             // SETITEM
            case 0x75: try setItems(popMark())                          // SETITEMS
            case 0x71: try put(Int(try fixed(1)))                       // BINPUT
            case 0x72: try put(Int(try fixed(4)))                       // LONG_BINPUT
            case 0x68: try get(Int(try fixed(1)))                       // BINGET
            case 0x6A: try get(Int(try fixed(4)))                       // LONG_BINGET
            case 0x63: stack.append(.value(try global()))               // GLOBAL
            case 0x52: try reduce()                                     // REDUCE
            case 0x51: stack.append(.value(try persistentLoad(freeze(pop()))))  // BINPERSID
            case 0x62: try build()                                      // BUILD
            default:
                throw fail("unsupported pickle opcode 0x\(String(op, radix: 16)) (\(printable(op)))")
            }
        }
    }

    private func fail(_ reason: String) -> PickleError {
        PickleError(offset: opcodeOffset, reason: reason)
    }

    private func printable(_ op: UInt8) -> String {
        (0x21...0x7E).contains(op) ? "'\(Character(Unicode.Scalar(op)))'" : "non-ASCII"
    }

    // MARK: - Bytes

    private mutating func byte() throws(PickleError) -> UInt8 {
        guard position < bytes.count else { throw fail("unexpected end of data") }
        defer { position += 1 }
        return bytes[position]
    }

    /// A little-endian unsigned integer of `count` bytes.
    private mutating func fixed(_ count: Int) throws(PickleError) -> UInt64 {
        guard bytes.count - position >= count else { throw fail("unexpected end of data") }
        var value: UInt64 = 0
        for i in 0..<count { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += count
        return value
    }

    private mutating func raw(_ count: Int) throws(PickleError) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - position >= count else { throw fail("unexpected end of data") }
        defer { position += count }
        return bytes[position..<position + count]
    }

    private mutating func text(length: Int) throws(PickleError) -> String {
        let slice = try raw(length)
        guard let s = String(validating: slice, as: UTF8.self) else { throw fail("invalid UTF-8 string") }
        return s
    }

    private mutating func line() throws(PickleError) -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw fail("unexpected end of data") }
        let s = String(decoding: bytes[position..<end], as: UTF8.self)
        position = end + 1
        return s
    }

    private mutating func long1() throws(PickleError) -> PickleValue {
        let n = Int(try fixed(1))
        let le = Array(try raw(n))
        if n == 0 { return .int(0) }
        if n <= 8 {
            var v: UInt64 = 0
            for (i, b) in le.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
            let shift = UInt64(64 - 8 * n)
            return .int(Int(Int64(bitPattern: v << shift) >> Int64(shift)))   // sign-extend
        }
        return .bigInt(littleEndian: le)
    }

    // MARK: - Stack

    private mutating func pop() throws(PickleError) -> Node {
        guard let top = stack.popLast(), stack.count >= (marks.last ?? 0) else { throw fail("stack underflow") }
        return top
    }

    private mutating func pop(_ n: Int) throws(PickleError) -> [Node] {
        guard stack.count - (marks.last ?? 0) >= n else { throw fail("stack underflow") }
        defer { stack.removeLast(n) }
        return Array(stack.suffix(n))
    }

    private mutating func popMark() throws(PickleError) -> [Node] {
        guard let mark = marks.popLast() else { throw fail("no MARK on the stack") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    private mutating func put(_ index: Int) throws(PickleError) {
        guard let top = stack.last else { throw fail("memo put with an empty stack") }
        memo[index] = top
    }

    private mutating func get(_ index: Int) throws(PickleError) {
        guard let node = memo[index] else { throw fail("memo key \(index) not defined") }
        stack.append(node)
    }

    private mutating func append(_ items: [Node]) throws(PickleError) {
        guard case .list(let box)? = stack.last else { throw fail("APPEND target is not a list") }
        box.items.append(contentsOf: items)
    }

    private mutating func setItems(_ items: [Node]) throws(PickleError) {
        guard case .dict(let box)? = stack.last else { throw fail("SETITEM target is not a dict") }
        guard items.count % 2 == 0 else { throw fail("odd number of items for SETITEMS") }
        for i in stride(from: 0, to: items.count, by: 2) {
            box.entries.append((items[i], items[i + 1]))
        }
    }

    // MARK: - Objects

    private mutating func global() throws(PickleError) -> PickleValue {
        let module = try line(), name = try line()
        switch (module, name) {
        case ("collections", "OrderedDict"), ("torch._utils", "_rebuild_tensor_v2"):
            return .global(module: module, name: name)
        case ("torch", _) where StorageElement(rawValue: name) != nil:
            return .global(module: module, name: name)
        default:
            throw fail("unsupported global \(module).\(name)")
        }
    }

    private mutating func reduce() throws(PickleError) {
        guard case .tuple(let args) = try pop() else { throw fail("REDUCE arguments are not a tuple") }
        guard case .value(.global(let module, let name)) = try pop() else { throw fail("REDUCE of a non-callable") }
        switch (module, name) {
        case ("collections", "OrderedDict") where args.isEmpty:
            stack.append(.dict(DictBox()))
        case ("torch._utils", "_rebuild_tensor_v2"):
            stack.append(.value(.tensor(try rebuildTensor(args.map(freeze)))))
        default:
            throw fail("unsupported call \(module).\(name) with \(args.count) arguments")
        }
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)`.
    private func rebuildTensor(_ args: [PickleValue]) throws(PickleError) -> TensorReference {
        guard args.count >= 4, case .storage(let storage) = args[0], let offset = args[1].intValue,
              case .tuple(let sizes) = args[2], case .tuple(let strides) = args[3] else {
            throw fail("malformed _rebuild_tensor_v2 arguments")
        }
        let shape = sizes.compactMap(\.intValue), steps = strides.compactMap(\.intValue)
        guard shape.count == sizes.count, steps.count == strides.count, shape.count == steps.count,
              offset >= 0, shape.allSatisfy({ $0 >= 0 }), steps.allSatisfy({ $0 >= 0 }) else {
            throw fail("malformed tensor size/stride")
        }
        return TensorReference(storage: storage, offset: offset, shape: shape, strides: steps)
    }

    /// The persistent ids of legacy checkpoints: `('storage', torch.XStorage, key, location, count, view)`.
    private func persistentLoad(_ pid: PickleValue) throws(PickleError) -> PickleValue {
        guard case .tuple(let t) = pid, t.count >= 5, t[0] == .string("storage"),
              case .global("torch", let typeName) = t[1], let element = StorageElement(rawValue: typeName),
              let key = t[2].stringValue, let location = t[3].stringValue, let count = t[4].intValue, count >= 0
        else { throw fail("unsupported persistent id") }
        return .storage(StorageReference(key: key, element: element, location: location, elementCount: count))
    }

    /// BUILD on an OrderedDict sets attributes (PyTorch's `_metadata`); they carry nothing cbr needs.
    private mutating func build() throws(PickleError) {
        let state = try pop()
        guard case .dict = stack.last, case .dict = state else { throw fail("BUILD on something other than a dict") }
    }

    private func freeze(_ node: Node) -> PickleValue {
        switch node {
        case .value(let v): v
        case .tuple(let items): .tuple(items.map(freeze))
        case .list(let box): .list(box.items.map(freeze))
        case .dict(let box): .dict(box.entries.map { PickleDictEntry(key: freeze($0.0), value: freeze($0.1)) })
        }
    }
}

/// The reader's working form: lists and dicts are shared, mutable boxes, as in Python, so that a
/// memoised container sees later APPENDS/SETITEMS.
private enum Node {
    case value(PickleValue)
    case tuple([Node])
    case list(ListBox)
    case dict(DictBox)
}

private final class ListBox {
    var items: [Node] = []
}

private final class DictBox {
    var entries: [(Node, Node)] = []
}
