import CCrypto

/// SHA-256 through OpenSSL's libcrypto (EVP interface): the checksum a model file records of the
/// checkpoint it came from, and the content fingerprint `index add` records of each image. The only place
/// the engine calls libcrypto.
public enum SHA256 {
    /// Lower-case hex digest of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { hex($0) }
    }

    /// Lower-case hex digest of the bytes `input` points to.
    public static func hex(_ input: UnsafeRawBufferPointer) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = EVP_Digest(input.baseAddress, input.count, &digest, &length, EVP_sha256(), nil)
        // EVP_Digest fails only when libcrypto cannot allocate or lacks SHA-256: nothing to recover from.
        precondition(ok == 1 && length == 32, "libcrypto could not compute SHA-256")
        return digest.prefix(Int(length)).map { hexByte($0) }.joined()
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
