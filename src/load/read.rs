//! Reading input files safely: only regular files (a FIFO or a device would block or never
//! end), never more than a limit (the size is checked before and while reading, so a sparse
//! 1 GiB file or `/dev/zero` costs nothing), and text that is not UTF-8 is refused with the
//! line and column of the first bad byte.

use std::io::Read as _;
use std::path::{Path, PathBuf};

/// The largest input file dindctl reads (compose files, manifests, profiles, env files).
pub const MAX_INPUT_BYTES: u64 = 32 * 1024 * 1024;

/// The largest secret file dindctl reads.
pub const MAX_SECRET_BYTES: u64 = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` is {kind}, not a regular file")]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("`{path}` is larger than the limit of {limit} bytes")]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("not valid UTF-8 at {}:{line}:{column} (byte 0x{byte:02x})", path.display())]
    NotUtf8 {
        path: PathBuf,
        line: usize,
        column: usize,
        byte: u8,
    },
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else {
        "not a regular file"
    }
}

/// The bytes of the regular file at `path` (symlinks followed), at most `limit` of them.
pub fn bytes(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular {
            path: path.to_path_buf(),
            kind: kind_of(&meta),
        });
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    // Opening without blocking: a file swapped for a FIFO between the check and the open must
    // not hang the process.
    let file = {
        use std::os::unix::fs::OpenOptionsExt as _;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc_o_nonblock())
            .open(path)
            .map_err(io)?
    };
    let opened = file.metadata().map_err(io)?;
    if !opened.is_file() {
        return Err(ReadError::NotRegular {
            path: path.to_path_buf(),
            kind: kind_of(&opened),
        });
    }
    let mut out = Vec::with_capacity(opened.len().min(limit) as usize);
    file.take(limit + 1).read_to_end(&mut out).map_err(io)?;
    if out.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(out)
}

/// `O_NONBLOCK` on Linux.
const fn libc_o_nonblock() -> i32 {
    0o4000
}

/// The text of the regular file at `path`, at most [`MAX_INPUT_BYTES`].
pub fn text(path: &Path) -> Result<String, ReadError> {
    let bytes = bytes(path, MAX_INPUT_BYTES)?;
    utf8(path, bytes)
}

/// `bytes` as UTF-8 (a leading byte-order mark removed), or where it is not.
pub fn utf8(path: &Path, bytes: Vec<u8>) -> Result<String, ReadError> {
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.drain(..3);
            }
            Ok(s)
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let before = &bytes[..at];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&before[line_start..])
                .chars()
                .count()
                + 1;
            Err(ReadError::NotUtf8 {
                path: path.to_path_buf(),
                line,
                column,
                byte: bytes[at],
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_regular_file_or_too_large() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            text(dir.path()),
            Err(ReadError::NotRegular {
                kind: "a directory",
                ..
            })
        ));
        assert!(matches!(
            text(Path::new("/dev/zero")),
            Err(ReadError::NotRegular { .. })
        ));
        let big = dir.path().join("big");
        let f = std::fs::File::create(&big).unwrap_or_else(|e| panic!("{e}"));
        f.set_len(MAX_INPUT_BYTES + 1)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(text(&big), Err(ReadError::TooLarge { .. })));
    }

    #[test]
    fn invalid_utf8_has_a_position() {
        let err = utf8(Path::new("x.yml"), b"a: 1\nb: \xff\n".to_vec());
        match err {
            Err(ReadError::NotUtf8 {
                line, column, byte, ..
            }) => {
                assert_eq!((line, column, byte), (2, 4, 0xff));
            }
            other => panic!("{other:?}"),
        }
    }
}
