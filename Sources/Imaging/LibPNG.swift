import CImageCodecs

/// Every libpng call cbr makes. Steps that can fail go through the setjmp wrappers in `shim.h` and
/// throw the message libpng gave; the decoded bytes are read from memory.
final class LibPNGReader {
    struct Failure: Error {
        var message: String
        /// The data ended before libpng was done.
        var ranOutOfData: Bool
    }

    enum ColorType: Int {
        case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgbAlpha = 6
    }

    private let reader: UnsafeMutablePointer<cbr_png_reader>
    private var png: png_structp?
    private var info: png_infop?

    /// `bytes` must outlive the reader.
    init?(_ bytes: UnsafeRawBufferPointer) {
        reader = .allocate(capacity: 1)
        reader.initialize(to: cbr_png_reader())
        reader.pointee.data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        reader.pointee.size = bytes.count
        png = _cbr_png_create(reader)
        info = png.flatMap { png_create_info_struct($0) }
        if png == nil || info == nil { return nil }
    }

    deinit {
        png_destroy_read_struct(&png, &info, nil)
        reader.deallocate()
    }

    /// Reads the chunks up to the image data.
    func readInfo() throws(Failure) { try check(_cbr_png_read_info(png, info)) }

    var width: Int { Int(png_get_image_width(png, info)) }
    var height: Int { Int(png_get_image_height(png, info)) }
    /// The colour type; after `prepare()` the one of the rows delivered.
    var colorType: ColorType? { ColorType(rawValue: Int(png_get_color_type(png, info))) }
    var bitDepth: Int { Int(png_get_bit_depth(png, info)) }
    var channels: Int { Int(png_get_channels(png, info)) }
    var rowBytes: Int { Int(png_get_rowbytes(png, info)) }
    var isInterlaced: Bool { png_get_interlace_type(png, info) == PNG_INTERLACE_ADAM7 }

    /// The PLTE entries as R, G, B bytes.
    var palette: [UInt8] {
        var entries: png_colorp?
        var count: Int32 = 0
        guard png_get_PLTE(png, info, &entries, &count) != 0, let entries else { return [] }
        return (0 ..< Int(max(0, count))).flatMap { [entries[$0].red, entries[$0].green, entries[$0].blue] }
    }

    /// Sets the transformations (see `_cbr_png_prepare`) and updates the row layout.
    func prepare() throws(Failure) { try check(_cbr_png_prepare(png, info)) }

    /// Decodes the next row (of the current Adam7 pass when interlaced) into `row`, which must hold
    /// `rowBytes` bytes: libpng copies a full-width row whatever the pass.
    func readRow(into row: UnsafeMutablePointer<UInt8>) throws(Failure) { try check(_cbr_png_read_row(png, row)) }

    /// Reads the chunks after the image data (they may hold eXIf or text); damage there is ignored.
    func readEnd() { _ = _cbr_png_read_end(png, info) }

    /// The eXIf chunk's TIFF bytes.
    var exif: [UInt8]? {
        var count: png_uint_32 = 0
        var data: png_bytep?
        guard png_get_eXIf_1(png, info, &count, &data) != 0, let data else { return nil }
        return Array(UnsafeBufferPointer(start: data, count: Int(count)))
    }

    /// The text chunks (tEXt, zTXt, iTXt) as keyword → text, the last of a repeated keyword winning.
    var texts: [String: [UInt8]] {
        var chunks: png_textp?
        var count: Int32 = 0
        _ = png_get_text(png, info, &chunks, &count)
        guard let chunks else { return [:] }
        var result: [String: [UInt8]] = [:]
        for chunk in UnsafeBufferPointer(start: chunks, count: Int(max(0, count))) {
            guard let key = chunk.key, let text = chunk.text else { continue }
            let length = chunk.compression >= PNG_ITXT_COMPRESSION_NONE ? chunk.itxt_length : chunk.text_length
            result[String(cString: key)] = Array(UnsafeRawBufferPointer(start: text, count: length))
        }
        return result
    }

    private func check(_ status: Int32) throws(Failure) {
        guard status != 0 else { return }
        let message = withUnsafeBytes(of: reader.pointee.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        throw Failure(message: message.isEmpty ? "libpng error" : message,
                      ranOutOfData: reader.pointee.ranOutOfData != 0)
    }
}
