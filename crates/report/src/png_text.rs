//! Text chunks of a PNG file: how a figure's bitmap records the run that drew it, as its SVG
//! does in a `<metadata>` element. A `tEXt` chunk (PNG specification, 11.3.4.3) is
//! `keyword \0 text`, Latin-1, with the chunk's CRC-32; a reader that does not look for it
//! skips it, so the image is the same.

use crate::ReportError;

/// The eight bytes every PNG file starts with.
const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// One chunk of a PNG file: its type and data, and where it ends in the file.
struct Chunk<'a> {
    kind: &'a [u8],
    data: &'a [u8],
    end: usize,
}

/// The chunks of `png` in file order, each with its CRC checked; an error says what is
/// wrong with the file.
fn chunks(png: &[u8]) -> Result<Vec<Chunk<'_>>, ReportError> {
    if !png.starts_with(SIGNATURE) {
        return Err(invalid("no PNG signature"));
    }
    let mut at = SIGNATURE.len();
    let mut found = Vec::new();
    while at < png.len() {
        let length = png
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or_else(|| invalid("a chunk's length is cut off"))?;
        let end = at + 12 + length;
        let chunk = png
            .get(at + 4..end)
            .ok_or_else(|| invalid("a chunk runs past the end of the file"))?;
        let (typed, crc) = chunk.split_at(4 + length);
        if crc32(typed).to_be_bytes() != crc {
            return Err(invalid("a chunk's CRC does not match its contents"));
        }
        let (kind, data) = typed.split_at(4);
        found.push(Chunk { kind, data, end });
        at = end;
    }
    Ok(found)
}

/// `png` with a `tEXt` chunk `keyword\0text` right after its header chunk (`IHDR`, always
/// the first). The keyword has 1 to 79 printable Latin-1 characters (here: ASCII), the text
/// is ASCII without a NUL.
pub fn with_text(png: &[u8], keyword: &str, text: &str) -> Result<Vec<u8>, ReportError> {
    let keyword_ok = (1..=79).contains(&keyword.len())
        && keyword.bytes().all(|b| (b' '..=b'~').contains(&b))
        && !keyword.starts_with(' ')
        && !keyword.ends_with(' ');
    if !keyword_ok || !text.is_ascii() || text.contains('\0') {
        return Err(invalid(&format!(
            "a tEXt chunk needs a keyword of 1 to 79 printable ASCII characters and ASCII \
             text without a NUL, not {keyword:?} and {text:?}"
        )));
    }
    let chunks = chunks(png)?;
    let header = match chunks.first() {
        Some(chunk) if chunk.kind == b"IHDR" => chunk.end,
        _ => return Err(invalid("the first chunk is not IHDR")),
    };
    let mut typed = b"tEXt".to_vec();
    typed.extend_from_slice(keyword.as_bytes());
    typed.push(0);
    typed.extend_from_slice(text.as_bytes());
    let length = u32::try_from(typed.len() - 4).map_err(|_| invalid("the text is too long"))?;
    let mut out = Vec::with_capacity(png.len() + typed.len() + 8);
    out.extend_from_slice(&png[..header]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&typed);
    out.extend_from_slice(&crc32(&typed).to_be_bytes());
    out.extend_from_slice(&png[header..]);
    Ok(out)
}

/// The texts of the `tEXt` chunks of `png` whose keyword is `keyword`, in file order (read
/// as Latin-1).
pub fn texts(png: &[u8], keyword: &str) -> Result<Vec<String>, ReportError> {
    let mut found = Vec::new();
    for chunk in chunks(png)? {
        if chunk.kind != b"tEXt" {
            continue;
        }
        let Some(nul) = chunk.data.iter().position(|&b| b == 0) else {
            return Err(invalid("a tEXt chunk has no NUL after its keyword"));
        };
        if &chunk.data[..nul] == keyword.as_bytes() {
            found.push(
                chunk.data[nul + 1..]
                    .iter()
                    .map(|&b| char::from(b))
                    .collect(),
            );
        }
    }
    Ok(found)
}

fn invalid(what: &str) -> ReportError {
    ReportError::InvalidData(format!("PNG: {what}"))
}

/// The CRC-32 of PNG chunks (ISO 3309, reflected polynomial 0xEDB88320, initial value and
/// final XOR 0xFFFFFFFF), bit by bit: a few milliseconds for a figure of some 300 kB, read
/// once when it is stamped and once by the test of the committed figures.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1x1 grey PNG: signature, IHDR, one IDAT, IEND (each chunk with its true CRC).
    fn tiny_png() -> Vec<u8> {
        let mut png = SIGNATURE.to_vec();
        for (kind, data) in [
            (&b"IHDR"[..], &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0][..]),
            (
                b"IDAT",
                &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01][..],
            ),
            (b"IEND", &[][..]),
        ] {
            png.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let typed = [kind, data].concat();
            png.extend_from_slice(&typed);
            png.extend_from_slice(&crc32(&typed).to_be_bytes());
        }
        png
    }

    #[test]
    fn crc32_matches_the_standard_check_values() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        // Every PNG ends with the same IEND chunk, CRC AE 42 60 82.
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn a_text_is_added_after_the_header_and_read_back() {
        let png = tiny_png();
        let stamped = with_text(&png, "skm", "experiment=x config_hash=ab12").unwrap();
        assert_eq!(
            texts(&stamped, "skm").unwrap(),
            ["experiment=x config_hash=ab12"]
        );
        assert!(texts(&stamped, "other").unwrap().is_empty());
        assert!(texts(&png, "skm").unwrap().is_empty());
        // The image's own chunks are untouched: the header before the text, the rest after.
        assert_eq!(stamped[..33], png[..33]);
        assert_eq!(stamped[stamped.len() - (png.len() - 33)..], png[33..]);
        let kinds: Vec<Vec<u8>> = chunks(&stamped)
            .unwrap()
            .iter()
            .map(|c| c.kind.to_vec())
            .collect();
        assert_eq!(kinds, [&b"IHDR"[..], b"tEXt", b"IDAT", b"IEND"]);
    }

    #[test]
    fn a_damaged_file_or_a_bad_keyword_is_an_error() {
        let png = tiny_png();
        let mut flipped = with_text(&png, "skm", "a").unwrap();
        flipped[45] ^= 1; // a byte of the text: its CRC no longer matches
        assert!(texts(&flipped, "skm").is_err());
        assert!(texts(&png[..png.len() - 2], "skm").is_err());
        assert!(texts(b"GIF89a", "skm").is_err());
        assert!(with_text(&png, "", "a").is_err());
        assert!(with_text(&png, "skm", "a\0b").is_err());
        assert!(with_text(&png, &"k".repeat(80), "a").is_err());
    }
}
