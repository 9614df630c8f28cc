/// Class ids to class names, as the index manifest records them. Ids are small non-negative integers
/// (the index numbers classes densely); lookup is an array access.
public struct ClassTable: Sendable, Equatable {
    /// The name printed for a rejected query.
    public static let unknownName = "unknown"

    private var names: [String?]
    private var ids: [String: Int32]

    public init() {
        names = []
        ids = [:]
    }

    /// A table where class `i` is `names[i]`.
    public init(names: [String]) {
        self.init()
        for (id, name) in names.enumerated() { set(Int32(id), name: name) }
    }

    /// A table from explicit (id, name) pairs; ids must be non-negative.
    public init(_ pairs: some Sequence<(Int32, String)>) {
        self.init()
        for (id, name) in pairs { set(id, name: name) }
    }

    public mutating func set(_ id: Int32, name: String) {
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
