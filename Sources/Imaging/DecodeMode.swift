/// How the embedding commands decode images (`--decode`): `exact` decodes every image at full size, as
/// Pillow does without `draft`; `fast` lets libjpeg-turbo decode JPEGs at least twice the size the resize needs
/// at 1/2, 1/4 or 1/8 scale (docs/imaging.md, "Fast decoding", for its measured effect on the embeddings).
public enum DecodeMode: String, Sendable, CaseIterable {
    case exact, fast
}
