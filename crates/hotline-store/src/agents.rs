//! Agents (login, name, the staff number announced to callers, SIP username and HA1 hashes,
//! skills with levels, team, role) and the API's login tokens. The store keeps HA1 hashes,
//! never passwords; checking a password against them is the caller's (it knows the realm).

use crate::db::{col, Store};
use crate::error::{Result, StoreError};
use crate::lifecycle::Millis;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;

/// What an agent may do in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A district's field crew: its district's dispatched tickets on `/crew`, nothing else
    /// (below every desk role; never an ACD agent).
    Crew,
    Agent,
    /// A quality evaluator: what an agent may do, and every call's recording to assess
    /// (no supervisor's changes).
    Qa,
    Supervisor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Crew => "crew",
            Role::Agent => "agent",
            Role::Qa => "qa",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::Crew,
            Role::Agent,
            Role::Qa,
            Role::Supervisor,
            Role::Admin,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// An agent as the engine sees one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agent {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub staff_no: String,
    pub sip_user: String,
    pub team: String,
    pub role: Role,
    pub language: String,
    pub active: bool,
    /// (skill, level 1-10).
    pub skills: Vec<(String, i64)>,
    /// A crew's district (`None` for every other role).
    pub district_id: Option<i64>,
}

/// An agent to create or update (matched by login).
#[derive(Debug, Clone)]
pub struct NewAgent {
    pub login: String,
    pub name: String,
    pub staff_no: String,
    pub sip_user: String,
    pub ha1_md5: String,
    pub ha1_sha256: String,
    pub team: String,
    pub role: Role,
    pub language: String,
    pub skills: Vec<(String, i64)>,
}

/// The digest credentials of one SIP user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipCredentials {
    pub sip_user: String,
    pub ha1_md5: String,
    pub ha1_sha256: String,
}

/// The agent's columns; its skills are read apart (`Store::with_skills`).
fn agent_from_row(r: &AnyRow) -> Result<Agent> {
    let role: String = col(r, "role")?;
    Ok(Agent {
        id: col(r, "id")?,
        login: col(r, "login")?,
        name: col(r, "name")?,
        staff_no: col(r, "staff_no")?,
        sip_user: col(r, "sip_user")?,
        team: col(r, "team")?,
        // An unknown role gets the least rights, never a desk's.
        role: Role::parse(&role).unwrap_or(Role::Crew),
        language: col(r, "language")?,
        active: col::<i64>(r, "active")? != 0,
        skills: Vec::new(),
        district_id: col(r, "district_id")?,
    })
}

const COLUMNS: &str =
    "id, login, name, staff_no, sip_user, team, role, language, active, district_id";

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Store {
    /// Creates the agent or, when the login exists, updates it (skills replaced). Not for
    /// crews (`upsert_crew`).
    pub async fn upsert_agent(&self, a: &NewAgent, now: Millis) -> Result<i64> {
        if a.role == Role::Crew {
            return Err(StoreError::invalid(
                "district_id",
                "a crew needs its district",
            ));
        }
        self.upsert_agent_in_district(a, None, now).await
    }

    /// Creates or updates a district crew (role `crew`) bound to `district_id`.
    pub async fn upsert_crew(&self, a: &NewAgent, district_id: i64, now: Millis) -> Result<i64> {
        if a.role != Role::Crew {
            return Err(StoreError::invalid("role", "must be crew"));
        }
        self.upsert_agent_in_district(a, Some(district_id), now)
            .await
    }

    async fn upsert_agent_in_district(
        &self,
        a: &NewAgent,
        district_id: Option<i64>,
        now: Millis,
    ) -> Result<i64> {
        for (field, v) in [
            ("login", &a.login),
            ("staff_no", &a.staff_no),
            ("sip_user", &a.sip_user),
        ] {
            if v.is_empty()
                || v.len() > 64
                || v.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(StoreError::invalid(field, "1 to 64 characters, no spaces"));
            }
        }
        for (skill, level) in &a.skills {
            if skill.is_empty() || !(1..=10).contains(level) {
                return Err(StoreError::invalid(
                    "skills",
                    "a name and a level 1 to 10 each",
                ));
            }
        }
        let mut tx = self.write.begin().await?;
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM agents WHERE login = $1")
            .bind(a.login.clone())
            .fetch_optional(&mut *tx)
            .await?;
        let id = match existing {
            Some(id) => {
                sqlx::query(
                    "UPDATE agents SET name = $1, staff_no = $2, sip_user = $3, ha1_md5 = $4, \
                     ha1_sha256 = $5, team = $6, role = $7, language = $8, active = 1 WHERE id = $9",
                )
                .bind(a.name.clone())
                .bind(a.staff_no.clone())
                .bind(a.sip_user.clone())
                .bind(a.ha1_md5.clone())
                .bind(a.ha1_sha256.clone())
                .bind(a.team.clone())
                .bind(a.role.as_str())
                .bind(a.language.clone())
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM agent_skills WHERE agent_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                id
            }
            None => sqlx::query_scalar(
                "INSERT INTO agents (login, name, staff_no, sip_user, ha1_md5, ha1_sha256, team, \
                 role, language, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 RETURNING id",
            )
            .bind(a.login.clone())
            .bind(a.name.clone())
            .bind(a.staff_no.clone())
            .bind(a.sip_user.clone())
            .bind(a.ha1_md5.clone())
            .bind(a.ha1_sha256.clone())
            .bind(a.team.clone())
            .bind(a.role.as_str())
            .bind(a.language.clone())
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(d) if d.is_unique_violation() => {
                    StoreError::invalid("staff_no", "staff number or SIP user already taken")
                }
                e => e.into(),
            })?,
        };
        if let Some(d) = district_id {
            let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM districts WHERE id = $1")
                .bind(d)
                .fetch_one(&mut *tx)
                .await?;
            if known == 0 {
                return Err(StoreError::invalid("district_id", "no such district"));
            }
        }
        sqlx::query("UPDATE agents SET district_id = $1 WHERE id = $2")
            .bind(district_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for (skill, level) in &a.skills {
            sqlx::query("INSERT INTO agent_skills (agent_id, skill, level) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(skill.clone())
                .bind(*level)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Whether an active agent (role `agent`) belongs to `team`.
    pub async fn team_has_agents(&self, team: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM agents WHERE active = 1 AND role = 'agent' AND team = $1",
        )
        .bind(team)
        .fetch_one(&self.read)
        .await?;
        Ok(n > 0)
    }

    /// Every active agent with skills; crews are not agents of the centre (`crews`).
    pub async fn agents(&self) -> Result<Vec<Agent>> {
        let sql =
            format!("SELECT {COLUMNS} FROM agents WHERE active = 1 AND role <> 'crew' ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await?;
        let mut agents = rows
            .iter()
            .map(agent_from_row)
            .collect::<Result<Vec<_>>>()?;
        let skills = sqlx::query("SELECT agent_id, skill, level FROM agent_skills ORDER BY skill")
            .fetch_all(&self.read)
            .await?;
        for s in &skills {
            let id: i64 = col(s, "agent_id")?;
            if let Some(a) = agents.iter_mut().find(|a| a.id == id) {
                a.skills.push((col(s, "skill")?, col(s, "level")?));
            }
        }
        Ok(agents)
    }

    /// Every active crew, by district.
    pub async fn crews(&self) -> Result<Vec<Agent>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM agents WHERE active = 1 AND role = 'crew' \
             ORDER BY district_id, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(agent_from_row).collect()
    }

    pub async fn agent(&self, id: i64) -> Result<Option<Agent>> {
        Ok(self.agents().await?.into_iter().find(|a| a.id == id))
    }

    /// The agent with its skills filled in from `agent_skills`, as `agents()` gives them.
    async fn with_skills(&self, mut agent: Agent) -> Result<Agent> {
        let rows =
            sqlx::query("SELECT skill, level FROM agent_skills WHERE agent_id = $1 ORDER BY skill")
                .bind(agent.id)
                .fetch_all(&self.read)
                .await?;
        agent.skills = rows
            .iter()
            .map(|r| Ok((col(r, "skill")?, col(r, "level")?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(agent)
    }

    /// The agent with this login and its credentials, for a password check.
    pub async fn agent_credentials(&self, login: &str) -> Result<Option<(Agent, SipCredentials)>> {
        let sql = format!(
            "SELECT {COLUMNS}, ha1_md5, ha1_sha256 FROM agents WHERE login = $1 AND active = 1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(login)
            .fetch_optional(&self.read)
            .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let a = self.with_skills(agent_from_row(&r)?).await?;
        let c = SipCredentials {
            sip_user: a.sip_user.clone(),
            ha1_md5: col(&r, "ha1_md5")?,
            ha1_sha256: col(&r, "ha1_sha256")?,
        };
        Ok(Some((a, c)))
    }

    /// Digest credentials of every active agent, for the registrar.
    pub async fn sip_credentials(&self) -> Result<Vec<SipCredentials>> {
        let rows = sqlx::query("SELECT sip_user, ha1_md5, ha1_sha256 FROM agents WHERE active = 1")
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SipCredentials {
                    sip_user: col(r, "sip_user")?,
                    ha1_md5: col(r, "ha1_md5")?,
                    ha1_sha256: col(r, "ha1_sha256")?,
                })
            })
            .collect()
    }

    /// A new login token for the agent (only its hash is stored).
    pub async fn issue_token(&self, agent_id: i64, now: Millis) -> Result<String> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        sqlx::query("DELETE FROM api_tokens WHERE expires_at < $1")
            .bind(now)
            .execute(&self.write)
            .await?;
        sqlx::query(
            "INSERT INTO api_tokens (token_hash, agent_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash(&token))
        .bind(agent_id)
        .bind(now)
        .bind(now + self.policy.token_ttl)
        .execute(&self.write)
        .await?;
        Ok(token)
    }

    /// The agent a token belongs to, if it is valid at `now`.
    pub async fn agent_for_token(&self, token: &str, now: Millis) -> Result<Agent> {
        let sql = format!(
            "SELECT {} FROM api_tokens t JOIN agents a ON a.id = t.agent_id \
             WHERE t.token_hash = $1 AND t.expires_at > $2 AND a.active = 1",
            COLUMNS
                .split(", ")
                .map(|c| format!("a.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token_hash(token))
            .bind(now)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::Unauthenticated)?;
        self.with_skills(agent_from_row(&row)?).await
    }

    pub async fn revoke_token(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM api_tokens WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// An agent's average rating and how many ratings it is made of: the follow-up ratings
    /// of the tickets the agent handled and the survey scores callers gave the calls the
    /// agent answered (both 1–5).
    pub async fn agent_rating(&self, agent_id: i64) -> Result<(Option<f64>, i64)> {
        let row = sqlx::query(
            "SELECT COUNT(r) AS n, CAST(SUM(r) AS BIGINT) AS total FROM \
             (SELECT rating AS r FROM tickets WHERE handled_by = $1 AND rating IS NOT NULL \
              UNION ALL SELECT survey_score AS r FROM calls \
              WHERE agent_id = $1 AND survey_score IS NOT NULL) AS ratings",
        )
        .bind(agent_id)
        .fetch_one(&self.read)
        .await?;
        let n: i64 = col(&row, "n")?;
        let total: Option<i64> = col(&row, "total")?;
        Ok(((n > 0).then(|| total.unwrap_or(0) as f64 / n as f64), n))
    }
}
