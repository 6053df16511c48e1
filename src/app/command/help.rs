//! The `/help` text, written from the table: every command's usage and
//! summary on one aligned line, or one command with its details.

use super::CommandError;
use super::table::{COMMANDS, find_command};

/// The `/help` text: every command on one aligned line, or one command in
/// detail.
pub fn help(topic: Option<&str>) -> Result<String, CommandError> {
    let topic = topic
        .map(|t| t.trim().trim_start_matches('/'))
        .filter(|t| !t.is_empty());
    let Some(topic) = topic else {
        return Ok(help_overview());
    };
    let spec = find_command(topic).ok_or_else(|| CommandError::Unknown(topic.to_owned()))?;
    Ok(format!(
        "{}\n  {}\n  {}",
        spec.usage(),
        spec.summary,
        spec.details
    ))
}

fn help_overview() -> String {
    let width = COMMANDS
        .iter()
        .map(|spec| spec.usage().chars().count())
        .max()
        .unwrap_or(0);
    let mut text = String::from("Commands (/help COMMAND tells more):\n");
    for spec in COMMANDS {
        text.push_str(&format!("{:<width$}  {}\n", spec.usage(), spec.summary));
    }
    text.push_str(
        "A line without a leading / goes to the current conversation; \
         start it with // to send text that begins with /.",
    );
    text
}
