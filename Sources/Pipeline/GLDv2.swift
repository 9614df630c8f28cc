import Foundation

extension Dataset {
    /// Lists a Google Landmarks v2 split: a CSV of image ids and landmark ids, and the image root where
    /// image `abcdef…` is `images/a/b/c/abcdef….jpg`. Three CSV shapes are recognised by their header:
    /// - `id,…,landmark_id` (train.csv, with or without `url`): one image per row;
    /// - `landmark_id,images` (train_clean.csv): one class per row, its image ids separated by spaces;
    /// - `id,landmarks,…` (the recognition solution): `landmarks` holds the query's landmark id(s),
    ///   separated by spaces (the first is used), or nothing for a non-landmark (distractor) query.
    /// Class names are the landmark ids as written; classes are numbered in order of first appearance.
    public static func gldv2(csv: URL, images: URL) throws -> Dataset {
        var reader = try CSVReader(path: csv.path)
        guard let header = try reader.next() else {
            throw PipelineError(file: csv.path, reason: .malformedCSV(line: nil, detail: "empty CSV file"))
        }
        let columns = Dictionary(header.enumerated().map { ($1.trimmingCharacters(in: .whitespaces), $0) },
                                 uniquingKeysWith: { first, _ in first })
        var builder = GLDv2Builder(root: images.path)

        func field(_ record: [String], _ column: Int) throws -> String {
            guard column < record.count else {
                throw PipelineError(file: csv.path, reason: .malformedCSV(
                    line: reader.lineNumber, detail: "expected \(header.count) fields, found \(record.count)"))
            }
            return record[column].trimmingCharacters(in: .whitespaces)
        }

        if let id = columns["id"], let landmark = columns["landmark_id"] {
            while let record = try reader.next() {
                builder.add(id: try field(record, id), landmark: try field(record, landmark))
            }
        } else if let landmark = columns["landmark_id"], let imageList = columns["images"] {
            while let record = try reader.next() {
                let name = try field(record, landmark)
                for id in try field(record, imageList).split(separator: " ") {
                    builder.add(id: String(id), landmark: name)
                }
            }
        } else if let id = columns["id"], let landmarks = columns["landmarks"] {
            while let record = try reader.next() {
                let first = try field(record, landmarks).split(separator: " ").first.map(String.init) ?? ""
                builder.add(id: try field(record, id), landmark: first)
            }
        } else {
            throw PipelineError(file: csv.path, reason: .malformedCSV(
                line: nil, detail: "unrecognised GLDv2 header '\(header.joined(separator: ","))' "
                    + "(expected id,landmark_id or landmark_id,images or id,landmarks)"))
        }
        return builder.dataset
    }
}

private struct GLDv2Builder {
    let root: String
    var classNames: [String] = []
    var labels: [String: Int32] = [:]
    var items: [Dataset.Item] = []
    var problems: [Dataset.Problem] = []

    init(root: String) {
        self.root = root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    mutating func add(id: String, landmark: String) {
        let characters = Array(id.utf8)
        guard characters.count >= 3,
              characters.allSatisfy({ $0 < 0x80 && (Character(UnicodeScalar($0)).isLetter
                                      || Character(UnicodeScalar($0)).isNumber
                                      || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")) }) else {
            problems.append(Dataset.Problem(path: id, reason: "not a GLDv2 image id"))
            return
        }
        let prefix = id.prefix(3).map(String.init).joined(separator: "/")
        let path = "\(root)/\(prefix)/\(id).jpg"
        var label: Int32?
        if !landmark.isEmpty {
            if let known = labels[landmark] {
                label = known
            } else {
                let new = Int32(classNames.count)
                labels[landmark] = new
                classNames.append(landmark)
                label = new
            }
        }
        items.append(Dataset.Item(path: path, key: id, label: label))
    }

    var dataset: Dataset { Dataset(classNames: classNames, items: items, problems: problems) }
}
