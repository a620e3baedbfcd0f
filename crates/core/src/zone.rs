//! The time zones a person can read times in: the IANA database, compiled into the portal so
//! that a component needs no files, and UTC until the person chooses one.

use std::sync::OnceLock;

use jiff::Timestamp;
use jiff::tz::{TimeZone, db};

/// A time zone of the IANA database, by its name (`Europe/Sofia`). Cheap to copy: the name
/// points into the database's list, read once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(&'static str);

impl Default for Zone {
    fn default() -> Self {
        Zone::UTC
    }
}

/// The database's zone names, sorted: the regions' cities (`Europe/Sofia`, `America/New_York`)
/// and `UTC`, without the old aliases (`EST5EDT`, `Etc/GMT+3`, `US/Pacific`) a person would
/// not look for.
fn names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        const REGIONS: [&str; 9] = [
            "Africa/",
            "America/",
            "Antarctica/",
            "Asia/",
            "Atlantic/",
            "Australia/",
            "Europe/",
            "Indian/",
            "Pacific/",
        ];
        let mut names: Vec<String> = db()
            .available()
            .map(|n| n.as_str().to_string())
            .filter(|n| n == "UTC" || REGIONS.iter().any(|r| n.starts_with(r)))
            .collect();
        if !names.iter().any(|n| n == "UTC") {
            names.push("UTC".into());
        }
        names.sort();
        names.dedup();
        names
    })
}

impl Zone {
    /// Coordinated Universal Time, the zone of everyone who has not chosen one.
    pub const UTC: Zone = Zone("UTC");

    /// The zone called `name` exactly as the database spells it, if there is one.
    pub fn named(name: &str) -> Option<Zone> {
        let names = names();
        let at = names.binary_search_by(|n| n.as_str().cmp(name)).ok()?;
        Some(Zone(names[at].as_str()))
    }

    /// The zone a stored setting names (`""`: none chosen), UTC when it names none.
    pub fn from_setting(setting: &str) -> Zone {
        Zone::named(setting).unwrap_or_default()
    }

    /// Every zone a person can choose, in name order.
    pub fn all() -> impl Iterator<Item = Zone> {
        names().iter().map(|n| Zone(n.as_str()))
    }

    /// The IANA name (`Europe/Sofia`).
    pub fn name(self) -> &'static str {
        self.0
    }

    fn tz(self) -> TimeZone {
        db().get(self.0).unwrap_or(TimeZone::UTC)
    }

    /// Seconds this zone's clocks are ahead of UTC at Unix second `at` (summer time included).
    pub fn offset(self, at: i64) -> i64 {
        if self == Zone::UTC {
            return 0;
        }
        Timestamp::from_second(at).map_or(0, |t| i64::from(self.tz().to_offset(t).seconds()))
    }

    /// Unix second `at` moved to this zone's wall clock: the calendar arithmetic of
    /// [`crate::time`] on the result gives the local date and time.
    pub fn local(self, at: i64) -> i64 {
        at + self.offset(at)
    }

    /// The zone's abbreviation at `at` (`EET`, `EEST`, `UTC`), or its offset (`+04`) where the
    /// database has no letters for it.
    pub fn abbreviation(self, at: i64) -> String {
        Timestamp::from_second(at).map_or_else(
            |_| self.0.to_string(),
            |t| self.tz().to_offset_info(t).abbreviation().to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{parse_rfc3339, rfc3339};

    fn at(ts: &str) -> i64 {
        parse_rfc3339(ts).unwrap_or_default()
    }

    #[test]
    fn zones_are_found_by_their_exact_name_and_unknown_ones_fall_back_to_utc() {
        assert_eq!(
            Zone::named("Europe/Sofia").map(Zone::name),
            Some("Europe/Sofia")
        );
        assert_eq!(Zone::named("UTC"), Some(Zone::UTC));
        assert_eq!(Zone::named("europe/sofia"), None);
        assert_eq!(Zone::named("Mars/Olympus_Mons"), None);
        assert_eq!(Zone::named("EST5EDT"), None);
        assert_eq!(Zone::from_setting(""), Zone::UTC);
        assert!(Zone::all().count() > 300);
        assert!(Zone::all().any(|z| z.name() == "America/New_York"));
    }

    #[test]
    fn summer_time_moves_the_wall_clock() {
        let sofia = Zone::from_setting("Europe/Sofia");
        // Winter: UTC+2; summer: UTC+3.
        assert_eq!(sofia.offset(at("2026-12-02T13:37:00Z")), 7_200);
        assert_eq!(sofia.offset(at("2026-07-01T12:00:00Z")), 10_800);
        assert_eq!(
            rfc3339(sofia.local(at("2026-12-02T22:30:00Z"))),
            "2026-12-03T00:30:00Z"
        );
        assert_eq!(sofia.abbreviation(at("2026-12-02T13:37:00Z")), "EET");
        assert_eq!(sofia.abbreviation(at("2026-07-01T12:00:00Z")), "EEST");
        let new_york = Zone::from_setting("America/New_York");
        assert_eq!(new_york.offset(at("2026-12-02T13:37:00Z")), -18_000);
        assert_eq!(Zone::UTC.offset(at("2026-07-01T12:00:00Z")), 0);
    }
}
