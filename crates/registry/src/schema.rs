//! The schema, for SQLite and PostgreSQL, applied in numbered steps.
//!
//! Only the column types differ between the two: integers are 64-bit, byte
//! strings are `BLOB`/`BYTEA`, floats `REAL`/`DOUBLE PRECISION`. Every query
//! of the registry is written once, with `$n` placeholders, and runs on both.

/// The database behind a registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One migration: its number and its statements, with `{ID}`, `{INT}`,
/// `{BLOB}` and `{REAL}` standing for the backend's types.
struct Migration {
    version: i64,
    statements: &'static [&'static str],
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        statements: &[
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE frequency_dbs (
            id {ID},
            name TEXT NOT NULL,
            version {INT} NOT NULL,
            population TEXT,
            source_file TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            sample_size {INT},
            content TEXT NOT NULL,
            active {INT} NOT NULL DEFAULT 0,
            imported_at TEXT NOT NULL,
            UNIQUE (name, version)
        )",
            "CREATE TABLE cases (
            id {ID},
            case_id TEXT NOT NULL UNIQUE,
            child_sex TEXT NOT NULL,
            birth_from TEXT,
            birth_to TEXT,
            missing_date TEXT,
            missing_lat {REAL},
            missing_lon {REAL},
            child_name {BLOB},
            missing_place {BLOB},
            description {BLOB},
            contact {BLOB},
            status TEXT NOT NULL DEFAULT 'open',
            public_alert {INT} NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )",
            "CREATE TABLE found_children (
            id {ID},
            found_id TEXT NOT NULL UNIQUE,
            sample_name TEXT NOT NULL UNIQUE,
            sex TEXT NOT NULL,
            age_min_days {INT},
            age_max_days {INT},
            found_date TEXT,
            found_lat {REAL},
            found_lon {REAL},
            institution TEXT,
            found_place {BLOB},
            description {BLOB},
            status TEXT NOT NULL DEFAULT 'unidentified',
            created_at TEXT NOT NULL
        )",
            "CREATE TABLE case_references (
            id {ID},
            sample_name TEXT NOT NULL UNIQUE,
            case_ref {INT} NOT NULL REFERENCES cases (id),
            relationship TEXT NOT NULL,
            sex TEXT NOT NULL,
            person_name {BLOB},
            created_at TEXT NOT NULL
        )",
            "CREATE INDEX case_references_case ON case_references (case_ref)",
            "CREATE TABLE profiles (
            id {ID},
            sample_name TEXT NOT NULL UNIQUE,
            lab TEXT,
            kit TEXT,
            typed_at TEXT,
            source_file TEXT NOT NULL,
            genotypes {BLOB} NOT NULL,
            created_at TEXT NOT NULL
        )",
            "CREATE TABLE candidates (
            id {ID},
            found_ref {INT} NOT NULL REFERENCES found_children (id),
            case_ref {INT} NOT NULL REFERENCES cases (id),
            lr {REAL} NOT NULL,
            log10_lr {REAL} NOT NULL,
            markers_compared {INT} NOT NULL,
            inconsistent TEXT NOT NULL,
            per_marker TEXT NOT NULL,
            shape TEXT NOT NULL,
            model TEXT NOT NULL,
            frequency_db {INT} NOT NULL REFERENCES frequency_dbs (id),
            added_alleles TEXT NOT NULL,
            computed_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'new',
            UNIQUE (found_ref, case_ref)
        )",
            "CREATE TABLE imports (
            id {ID},
            kind TEXT NOT NULL,
            file_name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            rows_added {INT} NOT NULL,
            actor TEXT NOT NULL,
            imported_at TEXT NOT NULL
        )",
            "CREATE TABLE audit_log (
            seq {INT} PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target_type TEXT NOT NULL,
            target_id TEXT NOT NULL,
            detail TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )",
        ],
    },
    Migration {
        version: 2,
        statements: &[
            "CREATE TABLE users (
            id {ID},
            username TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            case_ref {INT} REFERENCES cases (id),
            active {INT} NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        )",
            "CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            user_ref {INT} NOT NULL REFERENCES users (id),
            csrf TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at {INT} NOT NULL
        )",
            "CREATE TABLE candidate_events (
            id {ID},
            candidate_ref {INT} NOT NULL REFERENCES candidates (id),
            from_status TEXT NOT NULL,
            to_status TEXT NOT NULL,
            actor TEXT NOT NULL,
            reason TEXT,
            at TEXT NOT NULL
        )",
            "CREATE TABLE retention (
            id {ID},
            case_ref {INT} NOT NULL REFERENCES cases (id),
            delete_after {INT} NOT NULL,
            done_at TEXT
        )",
        ],
    },
    Migration {
        version: 3,
        statements: &[
            // Cases imported from another person-finder repository (PFIF):
            // the record id they keep, and where and when it was published
            // (deleting the case deletes its row).
            "CREATE TABLE pfif_records (
            id {ID},
            case_ref {INT} NOT NULL UNIQUE REFERENCES cases (id) ON DELETE CASCADE,
            person_record_id TEXT NOT NULL UNIQUE,
            source_name TEXT,
            source_url TEXT,
            source_date TEXT NOT NULL,
            entry_date TEXT NOT NULL
        )",
        ],
    },
    Migration {
        version: 4,
        statements: &[
            // The change sequence of the search index: every write that
            // changes what the index holds appends the cases and found
            // children it changed (JSON arrays of row ids), or `rebuild`;
            // another process (a second server, a command-line import)
            // brings its own index in step from the rows after the last it
            // applied.
            "CREATE TABLE index_changes (
            seq {ID},
            cases TEXT NOT NULL,
            found TEXT NOT NULL,
            removes {INT} NOT NULL,
            rebuild {INT} NOT NULL,
            at TEXT NOT NULL
        )",
        ],
    },
    Migration {
        version: 5,
        statements: &[
            // Pages of the lists that grow (`pages.rs`): each is a seek in
            // one of these and a scan of a page's rows, never a sort of the
            // whole list. Candidates best first, ties by row id, over all of
            // them or those of one status, one found child or one case.
            "CREATE INDEX candidates_rank ON candidates (log10_lr DESC, id)",
            "CREATE INDEX candidates_status_rank ON candidates (status, log10_lr DESC, id)",
            "CREATE INDEX candidates_found_rank ON candidates (found_ref, log10_lr DESC, id)",
            "CREATE INDEX candidates_case_rank ON candidates (case_ref, log10_lr DESC, id)",
            // The public alerts, newest missing date first (unknown last).
            "CREATE INDEX cases_alerts ON cases (public_alert, (COALESCE(missing_date, '')) DESC, id)",
        ],
    },
    Migration {
        version: 6,
        statements: &[
            // The index snapshot (`index_snapshot.rs`): what the search index
            // is built from as of entry `seq` of the change sequence,
            // encrypted, so that a new process decrypts one row and the rows
            // changed since rather than every profile. At most one row.
            "CREATE TABLE index_snapshots (
            id {ID},
            seq {INT} NOT NULL,
            profiles {INT} NOT NULL,
            cases {INT} NOT NULL,
            found {INT} NOT NULL,
            content {BLOB} NOT NULL,
            created_at TEXT NOT NULL
        )",
        ],
    },
    Migration {
        version: 7,
        statements: &[
            // Every review step raises a candidate's version by one; a
            // decision names the version it was made on (`review.rs`).
            "ALTER TABLE candidates ADD COLUMN version {INT} NOT NULL DEFAULT 0",
        ],
    },
    Migration {
        version: 8,
        statements: &[
            // Pairs of profiles with the same DNA at every shared marker, or
            // at all but one (`same_dna.rs`): two found children (`found`)
            // or two references (`reference`), by sample name, the smaller
            // first; the markers compared and the one that differs (its
            // name, or ''), never a genotype. Deleted with the profiles.
            "CREATE TABLE same_dna (
            id {ID},
            kind TEXT NOT NULL,
            sample_a TEXT NOT NULL,
            sample_b TEXT NOT NULL,
            shared {INT} NOT NULL,
            differing TEXT NOT NULL,
            flagged_at TEXT NOT NULL,
            UNIQUE (sample_a, sample_b)
        )",
            "CREATE INDEX same_dna_b ON same_dna (sample_b)",
        ],
    },
    Migration {
        version: 9,
        statements: &[
            // The index snapshot sealed in parts of a few MiB
            // (`index_snapshot.rs`): databases read many moderate values
            // several times faster than one of 100 MB. `parts` 0: the
            // snapshot is the row's own `content` (as written before).
            "ALTER TABLE index_snapshots ADD COLUMN parts {INT} NOT NULL DEFAULT 0",
            "CREATE TABLE index_snapshot_parts (
            snapshot_id {INT} NOT NULL,
            part {INT} NOT NULL,
            content {BLOB} NOT NULL,
            PRIMARY KEY (snapshot_id, part)
        )",
        ],
    },
    Migration {
        version: 10,
        statements: &[
            // Blind indexes of the encrypted names and places
            // (`search_terms.rs`): a keyed hash of each word, the row it
            // belongs to (a case, with its references' names, or a found
            // child) and which field it is in. No plaintext.
            "CREATE TABLE search_terms (
            term {BLOB} NOT NULL,
            kind TEXT NOT NULL,
            owner {INT} NOT NULL,
            field TEXT NOT NULL
        )",
            "CREATE INDEX search_terms_term ON search_terms (term)",
            "CREATE INDEX search_terms_owner ON search_terms (kind, owner)",
        ],
    },
    Migration {
        version: 11,
        statements: &[
            // Photos of children (`photos.rs`): the missing child of a case
            // (`case`) or a found child (`found`), by row id; the JPEG as
            // re-encoded, sealed bound to its `photo_id`; its size; who
            // added it and when. Deleted with an erased case.
            "CREATE TABLE photos (
            id {ID},
            photo_id TEXT NOT NULL UNIQUE,
            owner_kind TEXT NOT NULL,
            owner {INT} NOT NULL,
            image {BLOB} NOT NULL,
            width {INT} NOT NULL,
            height {INT} NOT NULL,
            bytes {INT} NOT NULL,
            added_by TEXT NOT NULL,
            added_at TEXT NOT NULL
        )",
            "CREATE INDEX photos_owner ON photos (owner_kind, owner)",
        ],
    },
    Migration {
        version: 12,
        statements: &[
            // Population Y-STR haplotype databases (`import/haplotypes.rs`),
            // versioned by name and one of them active, as `frequency_dbs`:
            // the men as read (`content`: a CSV of one row per man, one
            // column per locus, calls in the `ystr` text form; no ids), the
            // loci (comma-separated), and the discrete Laplace mixture fitted
            // to them (`mixture`, JSON: coordinates, clusters chosen by BIC,
            // centres, dispersion, weights, log-likelihood, BIC), so that a
            // match probability needs no refit. Anonymous population data:
            // not sealed.
            "CREATE TABLE haplotype_dbs (
            id {ID},
            name TEXT NOT NULL,
            version {INT} NOT NULL,
            source_file TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            men {INT} NOT NULL,
            loci TEXT NOT NULL,
            content TEXT NOT NULL,
            mixture TEXT NOT NULL,
            active {INT} NOT NULL DEFAULT 0,
            imported_at TEXT NOT NULL,
            UNIQUE (name, version)
        )",
        ],
    },
    Migration {
        version: 13,
        statements: &[
            // The Y-STR haplotypes of samples (`y_haplotypes.rs`), by sample
            // name: the `ystr` text form sealed bound to the sample name, the
            // number of loci typed, the file it came from. Deleted with the
            // case of its reference.
            "CREATE TABLE y_haplotypes (
            id {ID},
            sample_name TEXT NOT NULL UNIQUE,
            haplotype {BLOB} NOT NULL,
            loci {INT} NOT NULL,
            source_file TEXT NOT NULL,
            created_at TEXT NOT NULL
        )",
        ],
    },
    Migration {
        version: 14,
        statements: &[
            // Paternal-line leads (`lineage.rs`): a found boy and a man of a
            // case's paternal line whose Y haplotypes differ at few loci, with
            // the meioses between the man and the missing boy, the loci
            // compared and the names of those that differ (no allele), the
            // LR at those meioses by the haplotype database recorded (none
            // without an active one), the review's status. Deleted with the
            // case's Y haplotypes.
            "CREATE TABLE lineage_leads (
            id {ID},
            found_ref {INT} NOT NULL REFERENCES found_children (id),
            case_ref {INT} NOT NULL REFERENCES cases (id),
            reference_ref {INT} NOT NULL REFERENCES case_references (id),
            relationship TEXT NOT NULL,
            meioses {INT} NOT NULL,
            compared {INT} NOT NULL,
            differing TEXT NOT NULL,
            lr {REAL},
            log10_lr {REAL},
            match_probability {REAL},
            method TEXT NOT NULL,
            haplotype_db {INT} REFERENCES haplotype_dbs (id),
            status TEXT NOT NULL DEFAULT 'new',
            computed_at TEXT NOT NULL,
            UNIQUE (found_ref, reference_ref)
        )",
            "CREATE INDEX lineage_leads_case ON lineage_leads (case_ref)",
        ],
    },
    Migration {
        version: 15,
        statements: &[
            // Clan volunteers (`volunteers.rs`): men who are not a
            // registered family but give a Y sample for their paternal
            // lineage. Their surname, ancestral place and name sealed bound
            // to the sample name; the day of their consent and the day their
            // record is deleted (`keep_until`, by the retention run); the
            // missing-child cases their clan knows of. Their Y haplotype is
            // in `y_haplotypes` under the sample name.
            "CREATE TABLE clan_volunteers (
            id {ID},
            sample_name TEXT NOT NULL UNIQUE,
            surname {BLOB} NOT NULL,
            ancestral_place {BLOB} NOT NULL,
            person_name {BLOB},
            consent_date TEXT NOT NULL,
            keep_until TEXT NOT NULL,
            created_at TEXT NOT NULL
        )",
            "CREATE TABLE volunteer_cases (
            id {ID},
            volunteer_ref {INT} NOT NULL REFERENCES clan_volunteers (id),
            case_ref {INT} NOT NULL REFERENCES cases (id),
            UNIQUE (volunteer_ref, case_ref)
        )",
            // A found boy and a volunteer whose Y haplotypes differ at few
            // loci: the loci compared and the names of those that differ, the
            // LR for each number of meioses 1..=20 (a JSON array; empty
            // without an active haplotype database) and the likeliest, the
            // review's status.
            "CREATE TABLE volunteer_leads (
            id {ID},
            found_ref {INT} NOT NULL REFERENCES found_children (id),
            volunteer_ref {INT} NOT NULL REFERENCES clan_volunteers (id),
            compared {INT} NOT NULL,
            differing TEXT NOT NULL,
            lrs TEXT NOT NULL,
            likeliest_meioses {INT},
            lr {REAL},
            log10_lr {REAL},
            match_probability {REAL},
            method TEXT NOT NULL,
            haplotype_db {INT} REFERENCES haplotype_dbs (id),
            status TEXT NOT NULL DEFAULT 'new',
            computed_at TEXT NOT NULL,
            UNIQUE (found_ref, volunteer_ref)
        )",
            "CREATE INDEX volunteer_leads_volunteer ON volunteer_leads (volunteer_ref)",
            // The volunteers each write changed (JSON array of row ids), so
            // that every process's lineage index follows them.
            "CREATE TABLE volunteer_changes (
            seq {ID},
            volunteers TEXT NOT NULL,
            at TEXT NOT NULL
        )",
        ],
    },
    Migration {
        version: 16,
        statements: &[
            // The lineage snapshot (`lineage_state.rs`): the lineage indexes
            // as of entry `seq` of the change sequence and `volunteer_seq`
            // of the volunteers', sealed in parts, so that a new process
            // opens one snapshot and the rows changed since rather than
            // every Y haplotype. At most one row; deleted with any Y
            // haplotype and by a key rotation.
            "CREATE TABLE lineage_snapshots (
            id {ID},
            seq {INT} NOT NULL,
            volunteer_seq {INT} NOT NULL,
            men {INT} NOT NULL,
            parts {INT} NOT NULL,
            created_at TEXT NOT NULL
        )",
            "CREATE TABLE lineage_snapshot_parts (
            snapshot_id {INT} NOT NULL,
            part {INT} NOT NULL,
            content {BLOB} NOT NULL,
            PRIMARY KEY (snapshot_id, part)
        )",
        ],
    },
];

impl Backend {
    fn types(self, statement: &str) -> String {
        let (id, int, blob, real) = match self {
            Backend::Sqlite => (
                "INTEGER PRIMARY KEY AUTOINCREMENT",
                "INTEGER",
                "BLOB",
                "REAL",
            ),
            Backend::Postgres => (
                "BIGSERIAL PRIMARY KEY",
                "BIGINT",
                "BYTEA",
                "DOUBLE PRECISION",
            ),
        };
        statement
            .replace("{ID}", id)
            .replace("{INT}", int)
            .replace("{BLOB}", blob)
            .replace("{REAL}", real)
    }

    /// The statements that bring a database at `version` (0: empty) up to date,
    /// each with the version it reaches.
    pub(crate) fn pending(self, version: i64) -> Vec<(i64, Vec<String>)> {
        MIGRATIONS
            .iter()
            .filter(|m| m.version > version)
            .map(|m| {
                (
                    m.version,
                    m.statements.iter().map(|s| self.types(s)).collect(),
                )
            })
            .collect()
    }

    /// The latest schema version.
    pub fn latest() -> i64 {
        MIGRATIONS.last().map_or(0, |m| m.version)
    }
}
