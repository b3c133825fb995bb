//! Code files as Seller Central serves them: a `.zip` with one text file inside. The archive is
//! read in memory with a hard limit on what it may expand to, so a hostile archive (a zip bomb,
//! a thousand entries, an encrypted entry, a path like `../x`) gets a clear refusal.

use std::io::Read;

/// The most a code file may expand to: far above any real download (100,000 Amazon codes are
/// about 2 MB), far below what would hurt the machine reading it.
pub const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;

/// Entries an archive may list before it is refused (folders and metadata included).
const MAX_ENTRIES: usize = 64;

/// Why a `.zip` could not be read as one code file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// Not a zip archive, or a damaged one.
    #[error("not a readable .zip archive")]
    Unreadable,
    /// No code file inside.
    #[error("the .zip holds no code file")]
    NoFile,
    /// More than one candidate file inside; the names are left out (they are the seller's).
    #[error("the .zip holds {0} files; put one code file in it, or import them one by one")]
    ManyFiles(usize),
    /// More entries than any download has.
    #[error("the .zip lists more than {MAX_ENTRIES} entries")]
    TooManyEntries,
    /// The file inside is encrypted.
    #[error("the file inside the .zip is password-protected")]
    Encrypted,
    /// A compression method this reader does not have.
    #[error("the file inside the .zip uses a compression method other than deflate")]
    Unsupported,
    /// The file inside expands beyond [`MAX_UNPACKED_BYTES`].
    #[error("the file inside the .zip is larger than {} MiB", MAX_UNPACKED_BYTES / 1024 / 1024)]
    TooLarge,
}

/// True when `bytes` start like a zip archive (a local file header, or an empty archive).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// The one code file inside a zip archive: its name (for its format) and its bytes. Folders,
/// macOS metadata (`__MACOSX/`, `._*`) and hidden files are passed over.
pub fn unpack_zip(bytes: &[u8]) -> Result<(String, Vec<u8>), ArchiveError> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| ArchiveError::Unreadable)?;
    if archive.len() > MAX_ENTRIES {
        return Err(ArchiveError::TooManyEntries);
    }
    let mut candidates = Vec::new();
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|_| ArchiveError::Unreadable)?;
        let Some(path) = entry.enclosed_name() else {
            continue;
        };
        let hidden = path.components().any(|c| {
            let part = c.as_os_str().to_string_lossy();
            part.starts_with('.') || part == "__MACOSX"
        });
        if entry.is_dir() || hidden {
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        candidates.push((i, name, entry.encrypted()));
    }
    let (index, name, encrypted) = match candidates.len() {
        0 => return Err(ArchiveError::NoFile),
        1 => candidates.remove(0),
        n => return Err(ArchiveError::ManyFiles(n)),
    };
    if encrypted {
        return Err(ArchiveError::Encrypted);
    }
    let entry = archive.by_index(index).map_err(|e| match e {
        zip::result::ZipError::CompressionMethodNotSupported(_) => ArchiveError::Unsupported,
        _ => ArchiveError::Unreadable,
    })?;
    // The declared size is the archive's word; the limit holds whatever it says.
    let mut out = Vec::new();
    entry
        .take(MAX_UNPACKED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|_| ArchiveError::Unreadable)?;
    if out.len() as u64 > MAX_UNPACKED_BYTES {
        return Err(ArchiveError::TooLarge);
    }
    Ok((name, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, body) in entries {
            if name.ends_with('/') {
                w.add_directory(*name, SimpleFileOptions::default())
                    .expect("dir");
            } else {
                w.start_file(*name, SimpleFileOptions::default())
                    .expect("entry");
                w.write_all(body).expect("write");
            }
        }
        w.finish().expect("finish").into_inner()
    }

    #[test]
    fn the_one_code_file_comes_out_with_its_name_past_folders_and_mac_metadata() {
        let zip = zip_of(&[
            ("report/", b""),
            ("__MACOSX/._codes.txt", b"junk"),
            ("report/.DS_Store", b"junk"),
            ("report/codes.txt", b"Claim Code\nABCD-1234\n"),
        ]);
        assert!(is_zip(&zip));
        let (name, bytes) = unpack_zip(&zip).expect("unpacked");
        assert_eq!(name, "codes.txt");
        assert_eq!(bytes, b"Claim Code\nABCD-1234\n");
    }

    #[test]
    fn archives_that_are_not_one_code_file_are_refused_clearly() {
        assert_eq!(unpack_zip(&zip_of(&[])), Err(ArchiveError::NoFile));
        assert_eq!(
            unpack_zip(&zip_of(&[("a.txt", b"A"), ("b.txt", b"B")])),
            Err(ArchiveError::ManyFiles(2))
        );
        assert_eq!(
            unpack_zip(b"PK\x03\x04 not really"),
            Err(ArchiveError::Unreadable)
        );
        let many: Vec<(String, Vec<u8>)> = (0..=MAX_ENTRIES)
            .map(|i| (format!("d{i}/"), Vec::new()))
            .collect();
        let many: Vec<(&str, &[u8])> = many
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        assert_eq!(
            unpack_zip(&zip_of(&many)),
            Err(ArchiveError::TooManyEntries)
        );
    }

    #[test]
    fn a_zip_bomb_stops_at_the_limit() {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file("codes.txt", SimpleFileOptions::default())
            .expect("entry");
        let block = vec![b'A'; 1024 * 1024];
        for _ in 0..=MAX_UNPACKED_BYTES / block.len() as u64 {
            w.write_all(&block).expect("write");
        }
        let bomb = w.finish().expect("finish").into_inner();
        assert!(bomb.len() < 1024 * 1024, "compressed: {}", bomb.len());
        assert_eq!(unpack_zip(&bomb), Err(ArchiveError::TooLarge));
    }

    proptest! {
        #[test]
        fn any_bytes_after_a_zip_signature_are_refused_or_read_never_a_panic(
            tail in proptest::collection::vec(any::<u8>(), 0..512)
        ) {
            let mut bytes = b"PK\x03\x04".to_vec();
            bytes.extend(tail);
            let _ = unpack_zip(&bytes);
        }
    }
}
