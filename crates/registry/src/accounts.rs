//! Accounts and sessions: roles, stored accounts, logins (audited), the
//! sessions' hashed tokens.

use serde::Serialize;
use sqlx::Row;

use crate::store::{Event, now_unix};
use crate::{Registry, RegistryError, Result};

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Lab,
    Caseworker,
    Family,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Lab, Role::Caseworker, Role::Family];

    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Lab => "lab",
            Role::Caseworker => "caseworker",
            Role::Family => "family",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == s)
    }
}

/// A stored account.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub password_hash: String,
    /// For a family account: its own case.
    pub case_ref: Option<i64>,
}

/// Who a session belongs to.
#[derive(Debug, Clone, Serialize)]
pub struct SessionUser {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub case_ref: Option<i64>,
    #[serde(skip)]
    pub csrf: String,
}

impl Registry {
    /// Adds an account (the caller hashes the password). A family account is tied to its case.
    pub async fn create_user(
        &self,
        actor: &str,
        username: &str,
        role: Role,
        password_hash: &str,
        case_id: Option<&str>,
    ) -> Result<i64> {
        let valid = !username.is_empty()
            && username.len() <= 64
            && username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
        if !valid {
            return Err(RegistryError::Invalid(
                "a username is 1-64 letters, digits, '.', '_', '-' or '@'".into(),
            ));
        }
        self.audited(async |tx| {
        let case_ref: Option<i64> = match (role, case_id) {
            (Role::Family, Some(c)) => Some(
                sqlx::query("SELECT id FROM cases WHERE case_id = $1")
                    .bind(c)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| RegistryError::not_found("case", c))?
                    .try_get("id")?,
            ),
            (Role::Family, None) => {
                return Err(RegistryError::Invalid(
                    "a family account needs its case (--case)".into(),
                ));
            }
            (_, Some(_)) => {
                return Err(RegistryError::Invalid(
                    "only family accounts belong to a case".into(),
                ));
            }
            (_, None) => None,
        };
        if sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?
            .is_some()
        {
            return Err(RegistryError::Conflict(format!("user {username} exists")));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO users (username, role, password_hash, case_ref, active, created_at) VALUES ($1, $2, $3, $4, 1, $5) RETURNING id",
        )
        .bind(username)
        .bind(role.name())
        .bind(password_hash)
        .bind(case_ref)
        .bind(crate::audit::now_rfc3339())
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let event = Event {
            actor,
            action: "user.create",
            target_type: "user",
            target_id: username,
            detail: format!("role {}", role.name()),
        };
        Ok((id, event))
        })
        .await
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>> {
        // No account has a NUL in its name, and PostgreSQL refuses one in a
        // query (a failure, where a login form must answer "wrong username").
        if username.contains('\0') {
            return Ok(None);
        }
        let row = sqlx::query("SELECT id, username, role, password_hash, case_ref FROM users WHERE username = $1 AND active = 1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(UserRecord {
                id: r.try_get("id")?,
                username: r.try_get("username")?,
                role: Role::parse(&r.try_get::<String, _>("role")?)
                    .ok_or_else(|| RegistryError::Damaged("stored role".into()))?,
                password_hash: r.try_get("password_hash")?,
                case_ref: r.try_get("case_ref")?,
            })
        })
        .transpose()
    }

    /// Stores a session (its token hashed) and audits the login.
    pub async fn create_session(
        &self,
        user: &UserRecord,
        token_hash: &str,
        csrf: &str,
        ttl_seconds: i64,
        from: &str,
    ) -> Result<()> {
        self.audited(async |tx| {
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                .bind(now_unix())
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO sessions (token_hash, user_ref, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(token_hash)
                .bind(user.id)
                .bind(csrf)
                .bind(crate::audit::now_rfc3339())
                .bind(now_unix() + ttl_seconds)
                .execute(&mut *tx)
                .await?;
            let event = Event {
                actor: &user.username,
                action: "auth.login",
                target_type: "user",
                target_id: &user.username,
                detail: format!("from {from}"),
            };
            Ok(((), event))
        })
        .await
    }

    /// Audits a failed login (the username as typed; no password).
    pub async fn record_failed_login(&self, username: &str, from: &str) -> Result<()> {
        let name: String = username
            .chars()
            .filter(|c| !c.is_control())
            .take(64)
            .collect();
        let event = Event {
            actor: "anonymous",
            action: "auth.failed",
            target_type: "user",
            target_id: &name,
            detail: format!("from {from}"),
        };
        self.audited(async |_| Ok(((), event))).await
    }

    pub async fn session_user(&self, token_hash: &str) -> Result<Option<SessionUser>> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.role, u.case_ref, s.csrf FROM sessions s JOIN users u ON u.id = s.user_ref
             WHERE s.token_hash = $1 AND s.expires_at >= $2 AND u.active = 1",
        )
        .bind(token_hash)
        .bind(now_unix())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(SessionUser {
                user_id: r.try_get("id")?,
                username: r.try_get("username")?,
                role: Role::parse(&r.try_get::<String, _>("role")?)
                    .ok_or_else(|| RegistryError::Damaged("stored role".into()))?,
                case_ref: r.try_get("case_ref")?,
                csrf: r.try_get("csrf")?,
            })
        })
        .transpose()
    }

    pub async fn delete_session(&self, user: &str, token_hash: &str) -> Result<()> {
        self.audited(async |tx| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(&mut *tx)
                .await?;
            let event = Event {
                actor: user,
                action: "auth.logout",
                target_type: "user",
                target_id: user,
                detail: String::new(),
            };
            Ok(((), event))
        })
        .await?;
        Ok(())
    }
}
