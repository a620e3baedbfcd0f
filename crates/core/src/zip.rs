//! A zip archive writer (PKWARE APPNOTE 6.3, entries stored uncompressed): what a data export
//! is delivered in, readable by every unzip tool.

/// `files` (path inside the archive, contents) as one zip archive, every entry dated `modified`
/// (Unix seconds, UTC).
pub fn archive(files: &[(String, Vec<u8>)], modified: i64) -> Vec<u8> {
    let (time, date) = dos_time(modified);
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let offset = out.len() as u32;
        let crc = crc32fast::hash(data);
        let size = data.len() as u32;
        // Local file header.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        header_fields(&mut out, time, date, crc, size, name);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // Its central directory record.
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by: version 2.0
        header_fields(&mut central, time, date, crc, size, name);
        central.extend_from_slice(&0u16.to_le_bytes()); // comment length
        central.extend_from_slice(&0u16.to_le_bytes()); // disk number
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = out.len() as u32;
    let central_size = central.len() as u32;
    let count = files.len() as u16;
    out.extend_from_slice(&central);
    // End of central directory.
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// MS-DOS time and date of Unix seconds (two-second resolution, years from 1980).
fn dos_time(unix: i64) -> (u16, u16) {
    let (year, month, day) = crate::time::civil_date(unix);
    let secs = unix.rem_euclid(86_400);
    let field = |v: i64| u16::try_from(v).unwrap_or(0);
    let time = (field(secs / 3600) << 11) | (field(secs / 60 % 60) << 5) | field(secs % 60 / 2);
    let date = (field((year - 1980).max(0)) << 9) | (field(month) << 5) | field(day);
    (time, date)
}

/// The fields local and central headers share, from "version needed" to "extra field length".
fn header_fields(out: &mut Vec<u8>, time: u16, date: u16, crc: u32, size: u32, name: &str) {
    out.extend_from_slice(&20u16.to_le_bytes()); // version needed: 2.0
    out.extend_from_slice(&(1u16 << 11).to_le_bytes()); // flags: names are UTF-8
    out.extend_from_slice(&0u16.to_le_bytes()); // method: stored
    out.extend_from_slice(&time.to_le_bytes());
    out.extend_from_slice(&date.to_le_bytes());
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes()); // compressed size
    out.extend_from_slice(&size.to_le_bytes()); // uncompressed size
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // extra field length
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_carry_their_crc_and_the_directory_points_at_them() {
        let files = vec![
            ("README.md".to_string(), b"hello".to_vec()),
            ("users.json".to_string(), b"[]".to_vec()),
        ];
        // 2026-12-03T10:30:00Z.
        let zip = archive(&files, 1_796_293_800);
        assert_eq!(
            dos_time(1_796_293_800),
            ((10 << 11) | (30 << 5), (46 << 9) | (12 << 5) | 3)
        );
        assert_eq!(&zip[..4], b"PK\x03\x04");
        // The CRC-32 of "hello" (0x3610a686) is in the first local header.
        assert_eq!(&zip[14..18], &0x3610_a686u32.to_le_bytes());
        let end = zip.len() - 22;
        assert_eq!(&zip[end..end + 4], b"PK\x05\x06");
        assert_eq!(u16::from_le_bytes([zip[end + 10], zip[end + 11]]), 2);
        let dir = u32::from_le_bytes([zip[end + 16], zip[end + 17], zip[end + 18], zip[end + 19]]);
        assert_eq!(&zip[dir as usize..dir as usize + 4], b"PK\x01\x02");
    }
}
