//! The English words of a scenario (made-up names, towns with invented
//! coordinates, institutions, descriptions), the places' geometry and the
//! scenario's random streams: what the scenario (`scenario.rs`) and the
//! other locales' words (`locale.rs`) both use.

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Generator `index` of a scenario: ChaCha8 seeded by `seed`, on its own
/// stream, so that each part of the scenario draws independently.
pub(crate) fn stream(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    rng
}

/// A point a few kilometres from a town.
pub(crate) fn jitter<R: Rng + ?Sized>(town: Town, rng: &mut R) -> (f64, f64) {
    (
        town.1 + rng.random_range(-0.03..0.03),
        town.2 + rng.random_range(-0.03..0.03),
    )
}

/// Great-circle distance between two towns.
pub(crate) fn distance_km(a: Town, b: Town) -> f64 {
    let (la, lb) = (a.1.to_radians(), b.1.to_radians());
    let dlat = lb - la;
    let dlon = (b.2 - a.2).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la.cos() * lb.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().min(1.0).asin()
}

/// A made-up town: name, latitude, longitude.
pub(crate) type Town = (&'static str, f64, f64);

pub(crate) const TOWNS: &[Town] = &[
    ("Aldermere", 14.20, 38.10),
    ("Brackenford", 14.85, 38.95),
    ("Cindervale", 13.40, 37.20),
    ("Dunmarrow", 15.60, 39.80),
    ("Elderbrook", 12.70, 39.40),
    ("Fennick Cross", 16.30, 37.60),
    ("Gallowmere", 13.10, 40.60),
    ("Hollinsby", 17.05, 39.10),
    ("Istowel Vale", 11.90, 37.90),
    ("Juniper Flats", 15.10, 41.30),
    ("Kestrelwick", 17.80, 40.70),
    ("Larkhollow", 12.30, 41.80),
    ("Marrowby", 16.70, 42.20),
    ("Netherglen", 18.40, 38.20),
    ("Orrindale", 11.20, 40.20),
    ("Pellmoor", 14.60, 42.90),
    ("Quillstone", 19.10, 41.00),
    ("Rookhallow", 10.60, 38.60),
    ("Sablecombe", 13.80, 43.60),
    ("Tamberlow", 17.50, 43.40),
];

pub(crate) const INSTITUTIONS: &[&str] = &[
    "Lantern House Children's Home",
    "Bright Harbour Orphanage",
    "Willowgate Child Welfare Centre",
    "Sunrise Foster Shelter",
    "Greenacre Infant Home",
    "Safe Haven Children's Village",
];

pub(crate) const FEMALE_NAMES: &[&str] = &[
    "Amara", "Lina", "Sofia", "Maya", "Nadia", "Elena", "Yara", "Ines", "Leila", "Mira", "Talia",
    "Zara", "Noor", "Hana", "Clara", "Rosa",
];

pub(crate) const MALE_NAMES: &[&str] = &[
    "Omar", "Leo", "Ravi", "Tomas", "Daniel", "Kian", "Mateo", "Samir", "Elias", "Jonah", "Arlo",
    "Nico", "Idris", "Felix", "Yusuf", "Marco",
];

pub(crate) const SURNAMES: &[&str] = &[
    "Ashvale",
    "Brennock",
    "Caldrow",
    "Denholt",
    "Everleigh",
    "Farrowby",
    "Grennan",
    "Halvorsk",
    "Ilvane",
    "Jessamy",
    "Korrin",
    "Lothwell",
    "Mereday",
    "Norwick",
    "Ostrell",
    "Pellingham",
    "Quarrie",
    "Rundell",
    "Sallowmere",
    "Tiberlane",
    "Umbridge-Fane",
    "Vantrell",
    "Wexcombe",
    "Yarrowby",
];

pub(crate) const CASE_DESCRIPTIONS: &[&str] = &[
    "small scar on left hand",
    "birthmark on right shoulder",
    "pierced ears",
    "curly dark hair",
    "mole above left eyebrow",
    "last seen in a blue pushchair",
    "last seen wearing a red jacket",
    "taken from a market stall",
    "missing from home at night",
    "has a small burn mark on the left forearm",
    "speaks a few words; calls the mother Mama",
    "born with a tooth; gap between front teeth",
];

pub(crate) const FOUND_DESCRIPTIONS: &[&str] = &[
    "rescued in a police operation; in good health",
    "slightly underweight; otherwise healthy",
    "small scar on chin",
    "found with a yellow blanket",
    "responds to a nickname",
    "birthmark on lower back",
    "shy; speaks a few words",
    "pierced ears",
];
