import ArgumentParser
import CLI
import Foundation
import Pipeline
import ShardedIndex

struct IndexImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Build an index from precomputed embeddings (HDF5, big-ann .fbin, ann-benchmarks HDF5).",
        discussion: """
            HDF5 input: rows from `embeddings` (or ann-benchmarks' `train`), class labels from `labels` and \
            row ids from `paths` or `ids` when present. .fbin input: uint32 n, uint32 d, then float32 rows; \
            ids are the row numbers. Rows that are not unit length are normalized (a note says how many); rows \
            holding a NaN or an infinity are listed and left out (exit code 1). With --resume, an interrupted \
            import continues: rows whose id is already committed are skipped.
            """)

    @Argument(help: "E.h5, file.fbin or an ann-benchmarks .hdf5 file.") var input: String
    @Option(help: "A text file with one class name per row, or the name of a dataset in the input HDF5 file (class names or integer ids).")
    var labels: String?
    @Option(help: "The input HDF5 dataset holding the rows (default: embeddings, then train).") var dataset: String?
    @Option(help: "The input HDF5 dataset holding the row ids (default: paths, then ids; else row numbers).") var ids: String?
    @Option(help: "The index directory.") var index: String
    @Option(help: "Stored type: float32 or float16.") var dtype: ScalarType = .float32
    @Option(help: "Rows per shard (1…\(Limits.shardRows.upperBound); default: 256 MB of embeddings).") var shardRows: Int?
    @Option(help: "Rows read and appended per step (1…\(Limits.rows.upperBound)).") var readRows = 4096
    @Flag(help: "Continue an interrupted import into an existing index, skipping committed rows.") var resume = false

    func validate() throws {
        if let shardRows { try checkOption(shardRows, "--shard-rows", Limits.shardRows) }
        try checkOption(readRows, "--read-rows", Limits.rows)
    }

    func run() throws {
        try runCommand { console in
            try Commands.importEmbeddings(input, index: URL(fileURLWithPath: index), options: .init(
                labels: labels, dataset: dataset, ids: ids, dtype: dtype, shardRows: shardRows, readRows: readRows,
                resume: resume), console: console)
        }
    }
}
