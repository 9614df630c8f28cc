import ArgumentParser
import CLI
import Pipeline

/// `cbr report`: a self-contained HTML contact sheet of `classify --format jsonl --explain N` answers.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML page of classified photos with the indexed images behind each answer.",
        discussion: """
            Reads the JSON Lines of `cbr classify --format jsonl --explain N`. With the truth (--truth FILE or \
            --truth-from-folders), wrong and unknown answers come first. The page is one file: thumbnails are \
            inlined, nothing is fetched. Lines that are not answers are listed on stderr (exit code 1).
            """)

    @Argument(help: "The predictions file (classify --format jsonl).") var predictions: String
    @Option(help: "The HTML file to write.") var out: String
    @Option(help: "A CSV file of image,class rows giving each image's true class.") var truth: String?
    @Flag(help: "Each image's true class is the name of its folder.") var truthFromFolders = false
    @Option(help: "The folder the index was built from: neighbours' relative ids are found under it.") var images: String?
    @Option(help: "Answers shown at most (1…100000).") var limit = 1000
    @Option(help: "Threads making thumbnails (1…\(Limits.threads.upperBound); default: every core).") var threads: Int?

    func validate() throws {
        try checkOption(limit, "--limit", 1...100_000)
        if let threads { try checkOption(threads, "--threads", Limits.threads) }
        if truth != nil && truthFromFolders { throw ValidationError("give --truth or --truth-from-folders, not both") }
    }

    func run() throws {
        try runCommand { console in
            try Commands.report(predictions, out: out,
                                truth: truth.map(Commands.Truth.file) ?? (truthFromFolders ? .folders : nil),
                                images: images, limit: limit, threads: threads ?? LocalHost.defaultThreads, console: console)
        }
    }
}
