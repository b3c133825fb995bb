//! The data file, private from the start: its directory is created 0700, the file itself 0600
//! before SQLite opens it. SQLite gives the write-ahead log (`-wal`) and the shared-memory index
//! (`-shm`) the database file's own mode when it creates them, so they are 0600 too.

use std::io;
use std::path::{Path, PathBuf};

/// The files SQLite keeps beside a database: the write-ahead log, its index, a rollback journal.
const COMPANIONS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// Creates the directory of `path` (0700, each level this creates) and the file itself (0600)
/// unless they exist; narrows an existing data file and its companions to 0600, since the
/// codes, followers and orders in them are the seller's alone.
pub fn prepare(path: &Path) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        private_dir(dir)?;
    }
    let file = private_file(path)?;
    narrow(&file, path)?;
    for companion in companions(path) {
        match std::fs::File::open(&companion) {
            Ok(file) => narrow(&file, &companion)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The paths of `path`'s `-wal`, `-shm` and `-journal` files.
pub fn companions(path: &Path) -> Vec<PathBuf> {
    COMPANIONS
        .iter()
        .map(|suffix| {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            PathBuf::from(name)
        })
        .collect()
}

#[cfg(unix)]
fn private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn private_file(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

/// Takes group and other permissions off a file that has any.
#[cfg(unix)]
fn narrow(file: &std::fs::File, path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = file.metadata()?.permissions().mode();
    if mode & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(mode & 0o700))?;
        tracing::warn!(
            path = %path.display(),
            was = format_args!("{:o}", mode & 0o777),
            "the data file was readable by others: narrowed to owner only"
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn narrow(_file: &std::fs::File, _path: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn a_new_data_file_and_its_directories_are_private() {
        let root = tempfile::tempdir().expect("temp dir");
        let path = root.path().join("a/b/promo.db");
        prepare(&path).expect("prepared");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&root.path().join("a")), 0o700);
        assert_eq!(mode(&root.path().join("a/b")), 0o700);
    }

    #[test]
    fn an_existing_directory_is_left_alone_and_an_open_file_narrowed() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("shared");
        std::fs::create_dir(&dir).expect("dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let path = dir.join("promo.db");
        std::fs::write(&path, b"").expect("file");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let wal = companions(&path).remove(0);
        std::fs::write(&wal, b"").expect("wal");
        std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        prepare(&path).expect("prepared");
        assert_eq!(mode(&dir), 0o755, "not ours to change");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&wal), 0o600);
    }
}
