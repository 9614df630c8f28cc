/// Class ids to class names, as the index manifest records them. Ids are small non-negative integers
/// (the index numbers classes densely); lookup is an array access.
public struct ClassTable: Sendable, Equatable {
    /// The name printed for a rejected query.
    public static let unknownName = "unknown"

    private var names: [String?]
    private var ids: [String: Int32]
    /// For each id, its position in name order (`Int32.max` for ids without a name): ranking ties compare
    /// these integers instead of strings.
    private(set) var nameOrder: [Int32]

    public init() {
        names = []
        ids = [:]
        nameOrder = []
    }

    /// A table where class `i` is `names[i]`.
    public init(names: [String]) {
        self.init(names.enumerated().lazy.map { (Int32($0.offset), $0.element) })
    }

    /// A table from explicit (id, name) pairs; ids must be non-negative.
    public init(_ pairs: some Sequence<(Int32, String)>) {
        self.init()
        for (id, name) in pairs { insert(id, name: name) }
        sortNames()
    }

    /// Names (or renames) one class. Re-sorts the names: build large tables with an initializer.
    public mutating func set(_ id: Int32, name: String) {
        insert(id, name: name)
        sortNames()
    }

    private mutating func sortNames() {
        let order = names.indices.filter { names[$0] != nil }.sorted { names[$0]! < names[$1]! }
        nameOrder = Array(repeating: .max, count: names.count)
        for (position, index) in order.enumerated() { nameOrder[index] = Int32(position) }
    }

    /// The position of class `id` in name order; `Int32.max` when it has no name.
    func namePosition(_ id: Int32) -> Int32 {
        let index = Int(id)
        return index >= 0 && index < nameOrder.count ? nameOrder[index] : .max
    }

    private mutating func insert(_ id: Int32, name: String) {
        precondition(id >= 0, "class ids are non-negative")
        let index = Int(id)
        if index >= names.count { names.append(contentsOf: repeatElement(nil, count: index + 1 - names.count)) }
        if let old = names[index] { ids[old] = nil }
        names[index] = name
        ids[name] = id
    }

    /// Number of named classes.
    public var count: Int { ids.count }

    /// The name of class `id`, or `nil` when the table does not know it.
    public func name(_ id: Int32) -> String? {
        let index = Int(id)
        return index >= 0 && index < names.count ? names[index] : nil
    }

    /// The printed name of a prediction: the class name, `unknown` for a rejection, `#id` for an id the
    /// table does not know.
    public func label(_ prediction: Prediction) -> String {
        guard let id = prediction.classID else { return Self.unknownName }
        return name(id) ?? "#\(id)"
    }

    /// The id of the class called `name`.
    public func id(of name: String) -> Int32? { ids[name] }

    /// Every (id, name) pair in id order.
    public var entries: [(id: Int32, name: String)] {
        names.enumerated().compactMap { index, name in name.map { (Int32(index), $0) } }
    }
}
