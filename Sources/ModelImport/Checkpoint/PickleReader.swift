/// Decodes one pickle (protocols 2–4 subset) from a byte buffer: the opcodes and globals a legacy PyTorch
/// checkpoint uses, nothing more. Anything else — another opcode, an unknown class, a call other than
/// `OrderedDict()` or `torch._utils._rebuild_tensor_v2(…)` — fails with a `CheckpointError`, so a file
/// that is not such a checkpoint is never half-understood. No code is ever executed.
///
/// The machine is iterative and bounded (`ImportLimits`): nesting depth, the nodes a value expands to, the
/// stack and the memo. A container may not be changed once it is inside another one, so the recorded
/// depth and size of every node are exact and no value can contain itself.
public struct PickleReader {
    private let bytes: [UInt8]
    private let file: String
    private var position: Int
    private var stack: [Node] = []
    private var marks: [Int] = []
    private var memo: [Int: Node] = [:]
    private var opcodeOffset = 0

    /// Reads the pickle starting at `position` in `bytes`; on return `position` is just past its STOP.
    /// `file` names the source in errors.
    public static func read(_ bytes: [UInt8], at position: inout Int, file: String) throws(CheckpointError) -> PickleValue {
        var reader = PickleReader(bytes: bytes, file: file, position: position)
        let value = try reader.run()
        position = reader.position
        return value
    }

    private init(bytes: [UInt8], file: String, position: Int) {
        self.bytes = bytes
        self.file = file
        self.position = position
    }

    // MARK: - Machine

    private mutating func run() throws(CheckpointError) -> PickleValue {
        while true {
            opcodeOffset = position
            let op = try byte()
            switch op {
            case 0x80: _ = try byte()                                   // PROTO
            case 0x95: _ = try fixed(8)                                 // FRAME (a hint only)
            case 0x2E: return try freeze(pop())                         // STOP
            case 0x28: try mark()                                       // MARK
            case 0x4E: try push(.value(.none))                          // NONE
            case 0x88: try push(.value(.bool(true)))                    // NEWTRUE
            case 0x89: try push(.value(.bool(false)))                   // NEWFALSE
            case 0x4B: try push(.value(.int(Int(try fixed(1)))))        // BININT1
            case 0x4D: try push(.value(.int(Int(try fixed(2)))))        // BININT2
            case 0x4A: try push(.value(.int(Int(Int32(truncatingIfNeeded: try fixed(4))))))  // BININT
            case 0x8A: try push(.value(try long1()))                    // LONG1
            case 0x58: try push(.value(.string(try text(length: Int(try fixed(4))))))  // BINUNICODE
            case 0x8C: try push(.value(.string(try text(length: Int(try fixed(1))))))  // SHORT_BINUNICODE
            case 0x29: try push(tuple([]))                              // EMPTY_TUPLE
            case 0x85: try push(tuple(try pop(1)))                      // TUPLE1
            case 0x86: try push(tuple(try pop(2)))                      // TUPLE2
            case 0x87: try push(tuple(try pop(3)))                      // TUPLE3
            case 0x74: try push(tuple(try popMark()))                   // TUPLE
            case 0x5D: try push(.list(Box()))                           // EMPTY_LIST
            case 0x7D: try push(.dict(Box()))                           // EMPTY_DICT
            case 0x61: try append(pop(1))                               // APPEND
            case 0x65: try append(popMark())                            // APPENDS
            case 0x73: try setItems(pop(2))                             // SETITEM
            case 0x75: try setItems(popMark())                          // SETITEMS
            case 0x71: try put(Int(try fixed(1)))                       // BINPUT
            case 0x72: try put(Int(try fixed(4)))                       // LONG_BINPUT
            case 0x68: try get(Int(try fixed(1)))                       // BINGET
            case 0x6A: try get(Int(try fixed(4)))                       // LONG_BINGET
            case 0x63: try push(.value(try global()))                   // GLOBAL
            case 0x52: try reduce()                                     // REDUCE
            case 0x51: try push(.value(try persistentLoad(freezeSmall(pop()))))  // BINPERSID
            case 0x62: try build()                                      // BUILD
            default:
                throw fail("unsupported pickle opcode 0x\(String(op, radix: 16)) (\(printable(op)))")
            }
        }
    }

    private func fail(_ detail: String) -> CheckpointError {
        CheckpointError(file: file, reason: .pickle(offset: opcodeOffset, detail: detail))
    }

    private func printable(_ op: UInt8) -> String {
        (0x21...0x7E).contains(op) ? "'\(Character(Unicode.Scalar(op)))'" : "non-ASCII"
    }

    // MARK: - Bytes

    private mutating func byte() throws(CheckpointError) -> UInt8 {
        guard position < bytes.count else { throw fail("unexpected end of data") }
        defer { position += 1 }
        return bytes[position]
    }

    /// A little-endian unsigned integer of `count` (≤ 8) bytes.
    private mutating func fixed(_ count: Int) throws(CheckpointError) -> UInt64 {
        guard bytes.count - position >= count else { throw fail("unexpected end of data") }
        var value: UInt64 = 0
        for i in 0..<count { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += count
        return value
    }

    private mutating func raw(_ count: Int) throws(CheckpointError) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - position >= count else { throw fail("unexpected end of data") }
        defer { position += count }
        return bytes[position..<position + count]
    }

    private mutating func text(length: Int) throws(CheckpointError) -> String {
        let slice = try raw(length)
        guard let s = String(validating: slice, as: UTF8.self) else { throw fail("invalid UTF-8 string") }
        return s
    }

    private mutating func line() throws(CheckpointError) -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw fail("unexpected end of data") }
        let s = String(decoding: bytes[position..<end], as: UTF8.self)
        position = end + 1
        return s
    }

    private mutating func long1() throws(CheckpointError) -> PickleValue {
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

    private mutating func push(_ node: Node) throws(CheckpointError) {
        guard stack.count + marks.count < ImportLimits.maxStackEntries else {
            throw fail("more than \(ImportLimits.maxStackEntries) stack entries")
        }
        stack.append(node)
    }

    private mutating func mark() throws(CheckpointError) {
        guard stack.count + marks.count < ImportLimits.maxStackEntries else {
            throw fail("more than \(ImportLimits.maxStackEntries) stack entries")
        }
        marks.append(stack.count)
    }

    private mutating func pop() throws(CheckpointError) -> Node {
        guard stack.count > (marks.last ?? 0), let top = stack.popLast() else { throw fail("stack underflow") }
        return top
    }

    private mutating func pop(_ n: Int) throws(CheckpointError) -> [Node] {
        guard stack.count - (marks.last ?? 0) >= n else { throw fail("stack underflow") }
        defer { stack.removeLast(n) }
        return Array(stack.suffix(n))
    }

    private mutating func popMark() throws(CheckpointError) -> [Node] {
        guard let mark = marks.popLast() else { throw fail("no MARK on the stack") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    private mutating func put(_ index: Int) throws(CheckpointError) {
        guard let top = stack.last else { throw fail("memo put with an empty stack") }
        guard memo.count < ImportLimits.maxMemoEntries || memo[index] != nil else {
            throw fail("more than \(ImportLimits.maxMemoEntries) memo entries")
        }
        memo[index] = top
    }

    private mutating func get(_ index: Int) throws(CheckpointError) {
        guard let node = memo[index] else { throw fail("memo key \(index) not defined") }
        try push(node)
    }

    // MARK: - Containers

    /// The size of a container holding `items`, checked against the limits; the items are sealed.
    private func enclose(_ items: [Node], in size: Size = Size(depth: 1, nodes: 1)) throws(CheckpointError) -> Size {
        var result = size
        for item in items {
            let inner = item.size
            result.depth = max(result.depth, inner.depth + 1)
            let (nodes, overflow) = result.nodes.addingReportingOverflow(inner.nodes)
            guard !overflow, nodes <= ImportLimits.maxValueNodes else {
                throw fail("a value expands to more than \(ImportLimits.maxValueNodes) nodes")
            }
            result.nodes = nodes
            item.seal()
        }
        guard result.depth <= ImportLimits.maxNestingDepth else {
            throw fail("values nested deeper than \(ImportLimits.maxNestingDepth)")
        }
        return result
    }

    private func tuple(_ items: [Node]) throws(CheckpointError) -> Node {
        .tuple(items, try enclose(items))
    }

    private mutating func append(_ items: [Node]) throws(CheckpointError) {
        guard case .list(let box)? = stack.last else { throw fail("APPEND target is not a list") }
        let size = try enclose(items, in: box.size)
        guard !box.sealed else { throw fail("a list is changed after it was put inside another value") }
        box.size = size
        box.items.append(contentsOf: items)
    }

    private mutating func setItems(_ items: [Node]) throws(CheckpointError) {
        guard case .dict(let box)? = stack.last else { throw fail("SETITEM target is not a dict") }
        guard items.count % 2 == 0 else { throw fail("odd number of items for SETITEMS") }
        let size = try enclose(items, in: box.size)
        guard !box.sealed else { throw fail("a dict is changed after it was put inside another value") }
        box.size = size
        box.items.append(contentsOf: items)
    }

    // MARK: - Objects

    private mutating func global() throws(CheckpointError) -> PickleValue {
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

    private mutating func reduce() throws(CheckpointError) {
        guard case .tuple(let args, _) = try pop() else { throw fail("REDUCE arguments are not a tuple") }
        guard case .value(.global(let module, let name)) = try pop() else { throw fail("REDUCE of a non-callable") }
        switch (module, name) {
        case ("collections", "OrderedDict") where args.isEmpty:
            try push(.dict(Box()))
        case ("torch._utils", "_rebuild_tensor_v2"):
            var values: [PickleValue] = []
            for arg in args { values.append(try freezeSmall(arg)) }
            try push(.value(.tensor(try rebuildTensor(values))))
        default:
            throw fail("unsupported call \(module).\(name) with \(args.count) arguments")
        }
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)`; the view
    /// must lie within the storage's declared element count (checked arithmetic throughout).
    private func rebuildTensor(_ args: [PickleValue]) throws(CheckpointError) -> TensorReference {
        guard args.count >= 4, case .storage(let storage) = args[0], let offset = args[1].intValue,
              case .tuple(let sizes) = args[2], case .tuple(let strides) = args[3] else {
            throw fail("malformed _rebuild_tensor_v2 arguments")
        }
        let shape = sizes.compactMap(\.intValue), steps = strides.compactMap(\.intValue)
        guard shape.count == sizes.count, steps.count == strides.count, shape.count == steps.count,
              shape.count <= ImportLimits.maxTensorDimensions,
              offset >= 0, shape.allSatisfy({ $0 >= 0 }), steps.allSatisfy({ $0 >= 0 }) else {
            throw fail("malformed tensor size/stride")
        }
        do {
            return try TensorReference(storage: storage, offset: offset, shape: shape, strides: steps)
        } catch {
            let detail = error.detail + " (pickle byte \(opcodeOffset))"
            throw CheckpointError(file: file, reason: error.overLimit ? .limitExceeded(detail: detail) : .malformed(detail: detail))
        }
    }

    /// The persistent ids of legacy checkpoints: `('storage', torch.XStorage, key, location, count, view)`.
    private func persistentLoad(_ pid: PickleValue) throws(CheckpointError) -> PickleValue {
        guard case .tuple(let t) = pid, t.count >= 5, t[0] == .string("storage"),
              case .global("torch", let typeName) = t[1], let element = StorageElement(rawValue: typeName),
              let key = t[2].stringValue, let location = t[3].stringValue, let count = t[4].intValue, count >= 0
        else { throw fail("unsupported persistent id") }
        return .storage(StorageReference(key: key, element: element, location: location, elementCount: count))
    }

    /// BUILD on an OrderedDict sets attributes (PyTorch's `_metadata`); they carry nothing cbr needs.
    private mutating func build() throws(CheckpointError) {
        let state = try pop()
        guard case .dict = stack.last, case .dict = state else { throw fail("BUILD on something other than a dict") }
    }

    /// The value of an argument list or persistent id, which a checkpoint keeps to a few nodes: freezing
    /// a large shared value again for every call would make the work quadratic in the file size.
    private func freezeSmall(_ node: Node) throws(CheckpointError) -> PickleValue {
        guard node.size.nodes <= 1024 else { throw fail("call arguments of more than 1024 nodes") }
        return try freeze(node)
    }

    /// The value of `node`. Recursion is bounded by `maxNestingDepth`, the work by `maxValueNodes`.
    private func freeze(_ node: Node) throws(CheckpointError) -> PickleValue {
        switch node {
        case .value(let v):
            return v
        case .tuple(let items, _):
            var values: [PickleValue] = []
            for item in items { values.append(try freeze(item)) }
            return .tuple(values)
        case .list(let box):
            var values: [PickleValue] = []
            for item in box.items { values.append(try freeze(item)) }
            return .list(values)
        case .dict(let box):
            var entries: [PickleDictEntry] = []
            for i in stride(from: 0, to: box.items.count, by: 2) {
                entries.append(PickleDictEntry(key: try freeze(box.items[i]), value: try freeze(box.items[i + 1])))
            }
            return .dict(entries)
        }
    }
}

/// How deep a node nests and how many nodes it expands to.
private struct Size {
    var depth: Int
    var nodes: Int
}

/// The reader's working form: lists and dicts are shared, mutable boxes, as in Python, so that a
/// memoised container sees later APPENDS/SETITEMS — until it is sealed inside another value.
private enum Node {
    case value(PickleValue)
    case tuple([Node], Size)
    case list(Box)
    case dict(Box)

    var size: Size {
        switch self {
        case .value: Size(depth: 1, nodes: 1)
        case .tuple(_, let size): size
        case .list(let box), .dict(let box): box.size
        }
    }

    func seal() {
        switch self {
        case .list(let box), .dict(let box): box.sealed = true
        case .value, .tuple: break
        }
    }
}

/// A list's items, or a dict's keys and values alternating.
private final class Box {
    var items: [Node] = []
    var size = Size(depth: 1, nodes: 1)
    /// Set once the box is an item of another container; it may not change after that.
    var sealed = false
}
