//! The mock's pins, boards and board sections: a data set that grows and
//! shrinks while the mock runs, as an account does.
//!
//! Lists run newest first, as Pinterest lists them: a pin or board created
//! now goes on top, dated `created_at` to the second by the same clock
//! that writes the answers' `Date` (so several created within a second
//! share their date). The seeded items are dated long ago.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// The date of every seeded pin and board.
pub const SEEDED_AT: &str = "2023-08-17T00:00:00";

/// A pin of the data set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockPin {
    /// Its id.
    pub id: String,
    /// The board it is on.
    pub board_id: String,
    /// The board section it is in, if any.
    pub section_id: Option<String>,
    /// `created_at`, ISO 8601 without offset (UTC), as Pinterest writes it.
    pub created_at: String,
    /// Its title.
    pub title: String,
    description: String,
}

impl MockPin {
    /// The pin as the API answers it.
    pub fn json(&self) -> Value {
        let mut pin = json!({
            "id": self.id,
            "created_at": self.created_at,
            "title": self.title,
            "description": self.description,
            "board_id": self.board_id,
            "media": {"media_type": "image"},
        });
        if let Some(section) = &self.section_id {
            pin["board_section_id"] = Value::String(section.clone());
        }
        pin
    }
}

/// A board of the data set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockBoard {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `created_at`, as for pins.
    pub created_at: String,
}

impl MockBoard {
    /// The board as the API answers it.
    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "created_at": self.created_at,
            "privacy": "PUBLIC",
            "owner": {"username": "mock_user"},
        })
    }
}

/// Pins, boards and sections, each list newest first.
#[derive(Debug, Default)]
pub struct DataSet {
    /// The pins, newest first.
    pub pins: Vec<MockPin>,
    /// The boards, newest first.
    pub boards: Vec<MockBoard>,
    /// `(board id, section id)` of every section.
    pub sections: Vec<(String, String)>,
    /// Ids made since the seed, to keep new ones unique.
    made: u64,
    /// Seconds the data set's clock runs ahead of the system's (see
    /// [`DataSet::advance_clock`]).
    ahead: u64,
    /// The clock's reading while it stands still ([`DataSet::freeze_clock`]).
    frozen: Option<u64>,
}

impl DataSet {
    /// The seed: `pins` pins spread over `boards` boards (pin `i` on board
    /// `i % boards`), ids from [`DataSet::pin_id`] and [`DataSet::board_id`].
    pub fn seeded(pins: usize, boards: usize) -> DataSet {
        DataSet {
            pins: (0..pins)
                .map(|i| MockPin {
                    id: DataSet::pin_id(i),
                    board_id: DataSet::board_id(i % boards.max(1)),
                    section_id: None,
                    created_at: SEEDED_AT.into(),
                    title: format!("Pin {i}"),
                    description: format!("The pin at index {i}"),
                })
                .collect(),
            boards: (0..boards)
                .map(|i| MockBoard {
                    id: DataSet::board_id(i),
                    name: format!("Board {i}"),
                    created_at: SEEDED_AT.into(),
                })
                .collect(),
            sections: Vec::new(),
            made: 0,
            ahead: 0,
            frozen: None,
        }
    }

    /// The data set's clock: the system's, moved on by
    /// [`DataSet::advance_clock`]. It dates new items and the answers.
    pub fn now(&self) -> u64 {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.frozen.unwrap_or(system + self.ahead)
    }

    /// Stops the clock where it is (until [`DataSet::advance_clock`] moves
    /// it): everything created meanwhile shares one second, as a burst
    /// within a second does.
    pub fn freeze_clock(&mut self) {
        self.frozen = Some(self.now());
    }

    /// Moves the clock on by `seconds`: a test can let time pass without
    /// waiting for it.
    pub fn advance_clock(&mut self, seconds: u64) {
        self.ahead += seconds;
        if let Some(frozen) = &mut self.frozen {
            *frozen += seconds;
        }
    }

    /// The id of the seeded pin at `index`.
    pub fn pin_id(index: usize) -> String {
        (1_000_000_000_000u64 + index as u64).to_string()
    }

    /// The id of the seeded board at `index`.
    pub fn board_id(index: usize) -> String {
        (2_000_000_000_000u64 + index as u64).to_string()
    }

    fn next_id(&mut self, base: u64) -> String {
        self.made += 1;
        (base + self.made).to_string()
    }

    /// Creates a pin now, on top of the list: its id.
    pub fn add_pin(&mut self, board_id: &str, section_id: Option<&str>, title: &str) -> String {
        let id = self.next_id(3_000_000_000_000);
        self.pins.insert(
            0,
            MockPin {
                id: id.clone(),
                board_id: board_id.to_owned(),
                section_id: section_id.map(str::to_owned),
                created_at: iso(self.now()),
                title: title.to_owned(),
                description: String::new(),
            },
        );
        id
    }

    /// Creates a board now, on top of the list: its id.
    pub fn add_board(&mut self, name: &str) -> String {
        let id = self.next_id(4_000_000_000_000);
        self.boards.insert(
            0,
            MockBoard {
                id: id.clone(),
                name: name.to_owned(),
                created_at: iso(self.now()),
            },
        );
        id
    }

    /// Creates a section of a board: its id.
    pub fn add_section(&mut self, board_id: &str) -> String {
        let id = self.next_id(5_000_000_000_000);
        self.sections.push((board_id.to_owned(), id.clone()));
        id
    }

    /// Deletes a pin; whether it was there.
    pub fn remove_pin(&mut self, id: &str) -> bool {
        let before = self.pins.len();
        self.pins.retain(|pin| pin.id != id);
        self.pins.len() != before
    }

    /// Deletes a board and the pins on it; whether it was there.
    pub fn remove_board(&mut self, id: &str) -> bool {
        let before = self.boards.len();
        self.boards.retain(|board| board.id != id);
        self.pins.retain(|pin| pin.board_id != id);
        self.sections.retain(|(board, _)| board != id);
        self.boards.len() != before
    }

    /// The board with this id.
    pub fn board(&self, id: &str) -> Option<&MockBoard> {
        self.boards.iter().find(|board| board.id == id)
    }

    /// The pin with this id.
    pub fn pin(&self, id: &str) -> Option<&MockPin> {
        self.pins.iter().find(|pin| pin.id == id)
    }

    /// Whether the board has this section.
    pub fn has_section(&self, board_id: &str, section_id: &str) -> bool {
        self.sections
            .iter()
            .any(|(board, section)| board == board_id && section == section_id)
    }
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SS` (UTC), as `created_at` writes
/// them.
pub fn iso(seconds: u64) -> String {
    let (year, month, day) = civil(seconds);
    let rest = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

/// Unix seconds as an HTTP `Date` (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn http_date(seconds: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (year, month, day) = civil(seconds);
    let rest = seconds % 86_400;
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        DAYS[(seconds / 86_400 % 7) as usize],
        MONTHS[month as usize - 1],
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

/// The date of Unix seconds: year, month, day, by Howard Hinnant's
/// civil-from-days.
fn civil(seconds: u64) -> (i64, i64, i64) {
    let days = (seconds / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
#[path = "dataset_tests.rs"]
mod tests;
