import ArgumentParser
import CLI
import Pipeline
import ShardedIndex

/// `cbr index whiten`: learn a whitening of the index's rows and rewrite them through it (docs/accuracy.md).
struct IndexWhiten: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whiten",
        abstract: "Learn a whitening projection from the index's rows and rewrite every shard through it (crash-safe); queries are projected the same way.")

    @OptionGroup var location: IndexLocation
    @Option(help: "pca (shrunk whitening of the rows' covariance) or learned (whitening by the intra-class covariance, from the class labels).")
    var method: String = "pca"
    @Option(help: "Output dimensions (default: the model's, at most the rows less one).") var dims: Int?
    @Option(help: "pca: axis j scaled by λ_j^-S (0.5 whitens fully, 0 only rotates).") var shrinkage: Double = 0.5
    @Option(help: "Regulariser, a fraction of the mean eigenvalue (default: pca 0.01, learned 0.1).") var ridge: Double?
    @Flag(help: "Delete the original (unprojected) rows a whitening kept, instead of learning.") var drop = false

    func validate() throws {
        guard WhiteningRecipe.Method(rawValue: method) != nil else { throw ValidationError("--method must be pca or learned") }
        if let dims { guard (1...Manifest.maxDimension).contains(dims) else { throw ValidationError("--dims must be within 1…\(Manifest.maxDimension)") } }
        guard shrinkage.isFinite, (0...2).contains(shrinkage) else { throw ValidationError("--shrinkage must be within 0…2") }
        if let ridge { guard ridge.isFinite, (0...1000).contains(ridge) else { throw ValidationError("--ridge must be within 0…1000") } }
    }

    func run() throws {
        let recipe = WhiteningRecipe(method: WhiteningRecipe.Method(rawValue: method) ?? .pca, dimensions: dims,
                                     shrinkage: shrinkage, ridge: ridge)
        try runCommand { console in try Commands.whitenIndex(location.url, recipe: recipe, drop: drop, console: console) }
    }
}
