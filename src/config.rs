//! The configuration file: serde structs, defaults, the XDG default path,
//! validation, and turning `[account]` into [`ConnectSettings`].
//!
//! Unknown keys and bad values are errors that name the key and the line,
//! because a silently ignored typo in a security setting is worse than a
//! refusal to start. The user's file is never written.
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::xmpp::channel_binding::ChannelBindingPolicy;
use crate::xmpp::reader::ReaderLimits;
use crate::xmpp::settings::{ConnectSettings, Password, TlsMode};

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub account: AccountConfig,
    #[serde(default)]
    pub connection: ConnectionConfig,
    #[serde(default)]
    pub startup: StartupConfig,
    #[serde(default)]
    pub log: LogConfig,
    #[serde(default)]
    pub presence: PresenceConfig,
    #[serde(default)]
    pub subscriptions: SubscriptionsConfig,
    /// `[keys.CONTEXT] action = "KEY"` or `["KEY", …]`: rebinds keys.
    #[serde(default)]
    pub keys: HashMap<String, HashMap<String, Spanned<KeyList>>>,
    /// `[theme] name = "colour"`.
    #[serde(default)]
    pub theme: HashMap<String, Spanned<String>>,
    #[serde(default)]
    pub history: HistoryConfig,
    #[serde(default)]
    pub notify: NotifyConfig,
    #[serde(default)]
    pub privacy: PrivacyConfig,
    #[serde(default)]
    pub rooms: RoomsConfig,
    #[serde(default)]
    pub links: LinksConfig,
    #[serde(default)]
    pub omemo: OmemoConfig,
}

/// `[omemo]`: end-to-end encryption (XEP-0384).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OmemoConfig {
    /// Encrypt conversations with contacts who announce OMEMO devices
    /// unless `/omemo off` said otherwise (OMEMO-31).
    pub default: bool,
}

impl Default for OmemoConfig {
    fn default() -> Self {
        OmemoConfig { default: true }
    }
}

/// `[links]`: links in messages (XEP-0066) and HTTP uploads (XEP-0363).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinksConfig {
    /// The program `/open` runs with the link as its last argument.
    pub command: Vec<String>,
    /// Offer plain `http://` links and use upload slots over plain HTTP
    /// (UPLOAD-10, UPLOAD-11); for test servers only.
    pub allow_http: bool,
}

impl Default for LinksConfig {
    fn default() -> Self {
        LinksConfig {
            command: vec!["xdg-open".to_owned()],
            allow_http: false,
        }
    }
}

/// `[rooms]`: group chat (XEP-0045).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoomsConfig {
    /// The nick `/join ROOM` uses when none is given, and for rooms joined
    /// from a bookmark without one (BOOKMARKS-04); unset: the local part of
    /// the account's JID.
    pub nick: Option<String>,
    /// How many recent messages the first join of a room brings (MUC-09,
    /// MAM-14); later joins bring what came since the last line held.
    pub history_messages: u32,
    /// Seconds without traffic from a room before balcony checks that it
    /// is still in it (XEP-0410 self-ping, MUC-54).
    pub self_ping_secs: u32,
    /// What a room created by `/join` gets (MUC-45): `instant`, the
    /// service's default configuration at once, or `configure`, its
    /// configuration form, the room closed to others until submitted.
    pub create: RoomCreation,
}

/// `[rooms] create`: how a room created by `/join` is opened (MUC-45).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RoomCreation {
    /// The default configuration, at once (an instant room).
    #[default]
    Instant,
    /// The configuration form is shown; the room opens when it is submitted.
    Configure,
}

impl Default for RoomsConfig {
    fn default() -> Self {
        RoomsConfig {
            nick: None,
            history_messages: 50,
            self_ping_secs: 900,
            create: RoomCreation::Instant,
        }
    }
}

/// `[privacy]`: what our client tells others about us on its own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// Answer a message that asks for a delivery receipt (XEP-0184,
    /// RECEIPTS-05: the user can turn receipts off).
    pub send_receipts: bool,
    /// Tell a contact when we type, pause or leave the conversation
    /// (XEP-0085 chat states, STATES-03: the user can turn them off).
    pub send_chat_states: bool,
    /// Tell a contact when their messages have been seen (XEP-0333
    /// displayed markers; MARKERS-08 asks for the opt-out).
    pub send_markers: bool,
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        PrivacyConfig {
            send_receipts: true,
            send_chat_states: true,
            send_markers: true,
        }
    }
}

/// `[notify]`: how a message the user cannot see gets their attention, and
/// when they count as away.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// Ring the terminal bell.
    pub bell: bool,
    /// A program and its arguments, run with `BALCONY_FROM`,
    /// `BALCONY_CONVERSATION` and `BALCONY_BODY` in its environment, e.g.
    /// `["notify-send", "balcony"]`. Empty: none.
    pub command: Vec<String>,
    /// Seconds without a key after which the user counts as away: the
    /// server is told (XEP-0352) and messages notify. 0: never.
    pub idle_seconds: u64,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            bell: true,
            command: Vec::new(),
            idle_seconds: 300,
        }
    }
}

/// `[history]`: the message history on disk.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HistoryConfig {
    /// Keep every message in SQLite under the XDG data dir.
    pub enabled: bool,
    /// Overrides the default file, `$XDG_DATA_HOME/balcony/history.sqlite3`.
    pub file: Option<PathBuf>,
    /// With no history yet (first login on this machine), how many of the
    /// most recent messages to fetch from the server archive (XEP-0313,
    /// MAM-09); older ones come when scrolling back. 0: none; at most
    /// 10,000.
    pub first_login_messages: u32,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        HistoryConfig {
            enabled: true,
            file: None,
            first_login_messages: 200,
        }
    }
}

/// One key or several.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl KeyList {
    fn keys(&self) -> Vec<String> {
        match self {
            KeyList::One(key) => vec![key.clone()],
            KeyList::Many(keys) => keys.clone(),
        }
    }
}

/// `[presence]`: what we announce at login.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PresenceConfig {
    pub show: ShowSetting,
    pub status: Option<String>,
    /// -128..127; a negative priority gets no bare-JID messages (PRES-16).
    pub priority: Spanned<i64>,
}

impl Default for PresenceConfig {
    fn default() -> Self {
        PresenceConfig {
            show: ShowSetting::Online,
            status: None,
            priority: Spanned::new(0..0, 0),
        }
    }
}

/// The values `[presence] show` accepts.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ShowSetting {
    #[default]
    Online,
    Chat,
    Away,
    Xa,
    Dnd,
}

/// `[subscriptions]`: who may see our presence without asking us.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SubscriptionsConfig {
    pub auto_approve: AutoApprove,
}

/// The values `auto_approve` accepts.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AutoApprove {
    /// Every request waits for the user (the default, SEC-04).
    #[default]
    Never,
    /// Approve contacts we asked to follow or already follow (SUB-06).
    ContactsWeFollow,
}

/// `[account]`: who we are and where the server is.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    pub jid: Spanned<String>,
    pub password: Option<Spanned<String>>,
    pub password_command: Option<Spanned<String>>,
    pub password_file: Option<Spanned<PathBuf>>,
    pub resource: Option<Spanned<String>>,
    pub host: Option<String>,
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: TlsSetting,
    pub ca_file: Option<Spanned<PathBuf>>,
    #[serde(default)]
    pub channel_binding: ChannelBindingSetting,
}

/// The values `channel_binding` accepts (CB-10).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ChannelBindingSetting {
    /// Bind when the server and the TLS session allow it.
    #[default]
    Auto,
    /// Refuse to log in without channel binding.
    Required,
    /// Never bind.
    Off,
}

/// The values `tls` accepts.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TlsSetting {
    #[default]
    Starttls,
    Direct,
}

/// `[connection]`: liveness and limits.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectionConfig {
    /// Seconds of silence before we ping the server.
    pub keepalive: Spanned<u64>,
    /// Seconds a ping or request may go unanswered.
    pub timeout: Spanned<u64>,
    /// Largest stanza accepted from the server, in bytes.
    pub max_stanza_size: Spanned<usize>,
    /// Deepest element nesting accepted from the server.
    pub max_depth: Spanned<usize>,
    /// Language tag put on the stream (I18N-01), also the preferred language
    /// when a message carries several bodies.
    pub language: String,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        let limits = ReaderLimits::default();
        ConnectionConfig {
            keepalive: Spanned::new(0..0, 60),
            timeout: Spanned::new(0..0, 30),
            max_stanza_size: Spanned::new(0..0, limits.max_stanza_bytes),
            max_depth: Spanned::new(0..0, limits.max_depth),
            language: "en".to_owned(),
        }
    }
}

/// `[startup]`: commands run after every login.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartupConfig {
    #[serde(default)]
    pub commands: Vec<String>,
}

/// `[log]`: the log file, and the opt-in XML trace.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter such as `info` or `balcony=debug`.
    pub level: String,
    /// Overrides the default file under the XDG state directory.
    pub file: Option<PathBuf>,
    /// Writes every element sent and received to this file, with
    /// passwords and SASL data redacted.
    pub xml_trace: Option<PathBuf>,
    /// Also redact message bodies and subjects in the XML trace.
    pub redact_bodies: bool,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".to_owned(),
            file: None,
            xml_trace: None,
            redact_bodies: true,
        }
    }
}

/// A config problem, already phrased for the user.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("no config file given and no default location could be determined (no home directory)")]
    NoDefaultPath,
}

/// `$XDG_CONFIG_HOME/balcony/config.toml` (or the platform's equivalent).
pub fn default_path() -> Result<PathBuf, ConfigError> {
    directories::ProjectDirs::from("", "", "balcony")
        .map(|dirs| dirs.config_dir().join("config.toml"))
        .ok_or(ConfigError::NoDefaultPath)
}

/// `[keys]` as plain data: context → action → key names.
pub type KeyOverrides = HashMap<String, HashMap<String, Vec<String>>>;

/// Checks of values whose meaning lives above the config (key names and
/// actions, colours, commands). The composition root supplies them, so the
/// config names neither `ui` nor `app`.
pub struct Checks {
    pub keys: fn(&KeyOverrides) -> Result<(), String>,
    pub theme: fn(&HashMap<String, String>) -> Result<(), String>,
    pub command: fn(&str) -> Result<(), String>,
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses and validates config text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        };
        let config: Config = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        config.validate(text).map_err(|(key, span, why)| {
            invalid(format!("line {}: `{key}` {why}", line_of(text, span)))
        })?;
        Ok(config)
    }

    /// Checks values serde cannot: JID syntax, password sources, ranges.
    fn validate(&self, text: &str) -> Result<(), (&'static str, usize, String)> {
        let account = &self.account;
        let jid = parse_account_jid(account.jid.get_ref())
            .map_err(|why| ("account.jid", account.jid.span().start, why))?;
        let _ = jid;
        let sources = [
            account.password.as_ref().map(|s| s.span().start),
            account.password_command.as_ref().map(|s| s.span().start),
            account.password_file.as_ref().map(|s| s.span().start),
        ];
        let given: Vec<usize> = sources.iter().flatten().copied().collect();
        if given.len() > 1 {
            return Err((
                "account.password",
                given[1],
                "conflicts with another password source: set only one of password, password_command, password_file".into(),
            ));
        }
        if let Some(resource) = &account.resource {
            jid::ResourcePart::new(resource.get_ref()).map_err(|e| {
                (
                    "account.resource",
                    resource.span().start,
                    format!("is not a valid resource: {e}"),
                )
            })?;
        }
        if let Some(ca) = account
            .ca_file
            .as_ref()
            .filter(|ca| !ca.get_ref().is_file())
        {
            return Err((
                "account.ca_file",
                ca.span().start,
                format!(
                    "names {}, which is not a readable file",
                    ca.get_ref().display()
                ),
            ));
        }
        let connection = &self.connection;
        if *connection.keepalive.get_ref() == 0 {
            return Err((
                "connection.keepalive",
                connection.keepalive.span().start,
                "must be at least 1 second".into(),
            ));
        }
        if *connection.timeout.get_ref() == 0 {
            return Err((
                "connection.timeout",
                connection.timeout.span().start,
                "must be at least 1 second".into(),
            ));
        }
        if *connection.max_stanza_size.get_ref() < 4096 {
            return Err((
                "connection.max_stanza_size",
                connection.max_stanza_size.span().start,
                "must be at least 4096 bytes (a login needs that much)".into(),
            ));
        }
        if *connection.max_depth.get_ref() < 8 {
            return Err((
                "connection.max_depth",
                connection.max_depth.span().start,
                "must be at least 8".into(),
            ));
        }
        let priority = &self.presence.priority;
        if !(-128..=127).contains(priority.get_ref()) {
            return Err((
                "presence.priority",
                priority.span().start,
                "must be from -128 to 127".into(),
            ));
        }
        let _ = text;
        Ok(())
    }

    /// Reads a config file and checks it with `checks` as well: the values
    /// whose meaning lives above the config.
    pub fn load_checked(path: &Path, checks: &Checks) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let config = Config::parse(&text, path)?;
        config
            .check_with(checks)
            .map_err(|(key, span, why)| ConfigError::Invalid {
                path: path.to_owned(),
                message: format!("line {}: `{key}` {why}", line_of(&text, span)),
            })?;
        Ok(config)
    }

    /// Runs `checks` over each key binding, colour and startup command,
    /// one at a time so an error points at its line.
    fn check_with(&self, checks: &Checks) -> Result<(), (&'static str, usize, String)> {
        for (context, actions) in &self.keys {
            for (action, keys) in actions {
                let one = HashMap::from([(
                    context.clone(),
                    HashMap::from([(action.clone(), keys.get_ref().keys())]),
                )]);
                (checks.keys)(&one).map_err(|why| ("keys", keys.span().start, why))?;
            }
        }
        for (name, colour) in &self.theme {
            let one = HashMap::from([(name.clone(), colour.get_ref().clone())]);
            (checks.theme)(&one).map_err(|why| ("theme", colour.span().start, why))?;
        }
        for command in &self.startup.commands {
            if let Err(error) = (checks.command)(command) {
                return Err((
                    "startup.commands",
                    0,
                    format!("holds {command:?}, which fails: {error}"),
                ));
            }
        }
        Ok(())
    }

    /// Resolves the password (running `password_command` if set) and builds
    /// the settings the session logs in with.
    pub fn connect_settings(&self) -> Result<ConnectSettings, String> {
        self.connect_settings_with(self.resolve_password()?)
    }

    /// The settings with a password the caller obtained (typed by the user).
    pub fn connect_settings_with(&self, password: Password) -> Result<ConnectSettings, String> {
        let account = &self.account;
        let jid = parse_account_jid(account.jid.get_ref())?;
        let mut settings = ConnectSettings::new(jid, password);
        settings.resource = account.resource.as_ref().map(|r| r.get_ref().clone());
        settings.host = account.host.clone();
        settings.port = account.port;
        settings.tls = match account.tls {
            TlsSetting::Starttls => TlsMode::StartTls,
            TlsSetting::Direct => TlsMode::Direct,
        };
        settings.ca_file = account.ca_file.as_ref().map(|c| c.get_ref().clone());
        settings.channel_binding = match account.channel_binding {
            ChannelBindingSetting::Auto => ChannelBindingPolicy::Auto,
            ChannelBindingSetting::Required => ChannelBindingPolicy::Required,
            ChannelBindingSetting::Off => ChannelBindingPolicy::Off,
        };
        settings.keepalive = Duration::from_secs(*self.connection.keepalive.get_ref());
        settings.reply_timeout = Duration::from_secs(*self.connection.timeout.get_ref());
        settings.limits = ReaderLimits {
            max_stanza_bytes: *self.connection.max_stanza_size.get_ref(),
            max_depth: *self.connection.max_depth.get_ref(),
        };
        settings.lang = self.connection.language.clone();
        Ok(settings)
    }

    /// `[keys]` as plain data: context → action → key names.
    pub fn key_overrides(&self) -> KeyOverrides {
        self.keys
            .iter()
            .map(|(context, actions)| {
                let actions = actions
                    .iter()
                    .map(|(action, keys)| (action.clone(), keys.get_ref().keys()))
                    .collect();
                (context.clone(), actions)
            })
            .collect()
    }

    /// `[theme]` as plain data: name → colour.
    pub fn theme_overrides(&self) -> HashMap<String, String> {
        self.theme
            .iter()
            .map(|(name, colour)| (name.clone(), colour.get_ref().clone()))
            .collect()
    }

    /// True when no password source is configured: the TUI then asks.
    pub fn lacks_password(&self) -> bool {
        let account = &self.account;
        account.password.is_none()
            && account.password_command.is_none()
            && account.password_file.is_none()
    }

    fn resolve_password(&self) -> Result<Password, String> {
        let account = &self.account;
        if let Some(password) = &account.password {
            return Ok(Password::new(password.get_ref().clone()));
        }
        if let Some(command) = &account.password_command {
            return run_password_command(command.get_ref());
        }
        if let Some(file) = &account.password_file {
            let text = std::fs::read_to_string(file.get_ref()).map_err(|e| {
                format!(
                    "cannot read password_file {}: {e}",
                    file.get_ref().display()
                )
            })?;
            return first_line(&text)
                .ok_or_else(|| format!("password_file {} is empty", file.get_ref().display()));
        }
        Err("no password: set password, password_command or password_file under [account]".into())
    }
}

/// The account JID must be a bare JID with a local part.
fn parse_account_jid(text: &str) -> Result<jid::BareJid, String> {
    let jid = jid::BareJid::new(text).map_err(|e| format!("is not a valid JID: {e}"))?;
    if jid.node().is_none() {
        return Err("needs a user part (user@domain)".into());
    }
    Ok(jid)
}

/// Runs the command through the shell; the first line of stdout is the
/// password. Its stderr goes to the user's terminal so prompts stay visible.
fn run_password_command(command: &str) -> Result<Password, String> {
    let output = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::inherit())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run password_command: {e}"))?;
    if !output.status.success() {
        return Err(format!("password_command failed ({})", output.status));
    }
    let text = String::from_utf8(output.stdout)
        .map_err(|_| "password_command printed something that is not UTF-8".to_owned())?;
    first_line(&text).ok_or_else(|| "password_command printed nothing".to_owned())
}

fn first_line(text: &str) -> Option<Password> {
    let line = text.lines().next()?.trim_end_matches('\r');
    (!line.is_empty()).then(|| Password::new(line))
}

/// Where balcony keeps data between runs (the roster cache):
/// `$XDG_DATA_HOME/balcony`.
pub fn data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "balcony").map(|dirs| dirs.data_dir().to_path_buf())
}

/// 1-based line number of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("test.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn example_config_parses() {
        let text = include_str!("../config.example.toml");
        let config = parse(text).expect("config.example.toml must parse");
        assert_eq!(config.account.jid.get_ref(), "alice@example.org");
        assert!(config.account.password_command.is_some());
    }

    /// I18N-01: the configured language goes on our stream header (and is
    /// the language the store prefers); the default is `en`.
    #[tokio::test]
    async fn i18n_01_stream_header_carries_the_configured_language() {
        for (extra, lang) in [("", "en"), ("[connection]\nlanguage = 'it'\n", "it")] {
            let config = parse(&format!(
                "[account]\njid = 'a@example.org'\npassword = 'x'\n{extra}"
            ))
            .unwrap();
            let settings = config.connect_settings().unwrap();
            assert_eq!(config.connection.language, lang);
            let mut writer = crate::xmpp::writer::StreamWriter::new(Vec::new());
            writer.open(&settings, true).await.unwrap();
            let header = String::from_utf8(writer.into_inner()).unwrap();
            assert!(header.contains(&format!(" xml:lang='{lang}' ")), "{header}");
        }
    }

    #[test]
    fn minimal_config_has_defaults() {
        let config = parse("[account]\njid = 'a@example.org'\npassword = 'x'\n").unwrap();
        let settings = config.connect_settings().unwrap();
        assert_eq!(settings.tls, TlsMode::StartTls);
        assert_eq!(settings.limits.max_stanza_bytes, 16 * 1024 * 1024);
        assert_eq!(settings.keepalive, Duration::from_secs(60));
        assert_eq!(settings.password.expose(), "x");
        assert!(!format!("{settings:?}").contains("\"x\""));
    }

    /// Overlay key tables parse like pane key tables.
    #[test]
    fn overlay_key_tables_parse_and_are_checked() {
        let head = "[account]\njid = 'a@example.org'\npassword = 'x'\n";
        let config = parse(&format!(
            "{head}[keys.prompts]\ndeny = 'X'\n[keys.privacy_rules]\ndelete = ['x', 'Delete']\n"
        ))
        .unwrap();
        assert_eq!(config.keys["prompts"]["deny"].get_ref().keys(), ["X"]);
        // Whether a context or action exists is the keymap's to say
        // (`ui::keymap` tests); the config only parses the tables.
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let err =
            parse("[account]\njid = 'a@example.org'\npassword = 'x'\npasword = 'y'\n").unwrap_err();
        assert!(err.contains("pasword"), "{err}");
        assert!(err.contains("line 4"), "{err}");
    }

    #[test]
    fn cb_10_channel_binding_setting() {
        let settings = |value: &str| {
            parse(&format!(
                "[account]\njid = 'a@example.org'\npassword = 'x'\n{value}"
            ))
            .unwrap()
            .connect_settings()
            .unwrap()
            .channel_binding
        };
        assert_eq!(settings(""), ChannelBindingPolicy::Auto);
        assert_eq!(
            settings("channel_binding = 'required'\n"),
            ChannelBindingPolicy::Required
        );
        assert_eq!(
            settings("channel_binding = 'off'\n"),
            ChannelBindingPolicy::Off
        );
        let err =
            parse("[account]\njid = 'a@example.org'\npassword = 'x'\nchannel_binding = 'maybe'\n")
                .unwrap_err()
                .to_string();
        assert!(
            err.contains("channel_binding") || err.contains("maybe"),
            "{err}"
        );
    }

    #[test]
    fn bad_tls_value_is_refused() {
        let err =
            parse("[account]\njid = 'a@example.org'\npassword = 'x'\ntls = 'none'\n").unwrap_err();
        assert!(err.contains("line 4"), "{err}");
        assert!(err.contains("tls") || err.contains("starttls"), "{err}");
    }

    #[test]
    fn invalid_jid_names_key_and_line() {
        let err = parse("[account]\n\njid = 'not a jid@@'\npassword = 'x'\n").unwrap_err();
        assert!(err.contains("account.jid"), "{err}");
        assert!(err.contains("line 3"), "{err}");
        let err = parse("[account]\njid = 'example.org'\npassword = 'x'\n").unwrap_err();
        assert!(err.contains("user part"), "{err}");
    }

    #[test]
    fn two_password_sources_conflict() {
        let err = parse(
            "[account]\njid = 'a@example.org'\npassword = 'x'\npassword_command = 'echo y'\n",
        )
        .unwrap_err();
        assert!(err.contains("line 4"), "{err}");
    }

    #[test]
    fn port_out_of_range_is_refused() {
        let err =
            parse("[account]\njid = 'a@example.org'\npassword = 'x'\nport = 70000\n").unwrap_err();
        assert!(err.contains("line 4"), "{err}");
    }

    #[test]
    fn password_command_first_line() {
        let config = parse(
            "[account]\njid = 'a@example.org'\npassword_command = \"printf 'first\\nsecond\\n'\"\n",
        )
        .unwrap();
        assert_eq!(
            config.connect_settings().unwrap().password.expose(),
            "first"
        );
    }

    #[test]
    fn failing_password_command_is_an_error() {
        let config =
            parse("[account]\njid = 'a@example.org'\npassword_command = 'exit 3'\n").unwrap();
        let err = config.connect_settings().unwrap_err();
        assert!(err.contains("password_command failed"), "{err}");
    }

    #[test]
    fn missing_ca_file_is_refused() {
        let err = parse(
            "[account]\njid = 'a@example.org'\npassword = 'x'\nca_file = '/nonexistent/ca.pem'\n",
        )
        .unwrap_err();
        assert!(err.contains("account.ca_file"), "{err}");
    }
}
