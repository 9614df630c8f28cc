/// The metadata segments before a JPEG's first scan that change how Pillow presents its pixels.
struct JPEGMarkers {
    /// APP1 `Exif\0\0` payloads, concatenated as Pillow does (the first whole, later ones without prefix).
    var exif: [UInt8]?
    /// The last APP1 XMP packet (bytes after the namespace's NUL).
    var xmp: [UInt8]?

    /// The data ends before the first scan (SOS) or the end marker: a segment runs past the end, or none follows.
    var endsEarly = true

    /// An EOI marker (FF D9) follows the first scan. Entropy-coded data never holds one (a data byte FF is
    /// stuffed as FF 00), so without it the data was cut short: Pillow reports such a file as truncated.
    var hasEndMarker = false

    /// Walks the marker segments from SOI to SOS; every read is bounds-checked and a malformed
    /// segment simply ends the walk (the codec reports real damage).
    init(_ bytes: UnsafeRawBufferPointer) {
        let exifID: [UInt8] = Array("Exif".utf8) + [0, 0]
        let xmpID: [UInt8] = Array("http://ns.adobe.com/xap/1.0/".utf8) + [0]
        var i = 2
        while i + 1 < bytes.count {
            guard bytes[i] == 0xFF else { i += 1; continue }
            let marker = bytes[i + 1]
            if marker == 0xFF || marker == 0x00 || marker == 0x01 || (0xD0...0xD8).contains(marker) {
                i += marker == 0xFF ? 1 : 2
                continue
            }
            if marker == 0xD9 {
                endsEarly = false
                hasEndMarker = true
                break
            }
            if marker == 0xDA {
                endsEarly = i + 4 > bytes.count
                hasEndMarker = Self.containsEndMarker(bytes, from: i + 2)
                break
            }
            guard i + 4 <= bytes.count else { break }
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            guard length >= 2 else { endsEarly = false; break }
            guard i + 2 + length <= bytes.count else { break }
            let payload = UnsafeRawBufferPointer(rebasing: bytes[(i + 4) ..< (i + 2 + length)])
            if marker == 0xE1, payload.starts(with: exifID) {
                if exif == nil { exif = Array(payload) } else { exif! += payload.dropFirst(6) }
            } else if marker == 0xE1, payload.starts(with: xmpID) {
                xmp = Array(payload.dropFirst(xmpID.count))
            }
            i += 2 + length
        }
    }

    private static func containsEndMarker(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Bool {
        var i = start
        while i + 1 < bytes.count {
            if bytes[i] == 0xFF, bytes[i + 1] == 0xD9 { return true }
            i += 1
        }
        return false
    }
}
