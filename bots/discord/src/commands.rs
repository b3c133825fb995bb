//! The application commands the bot answers, and their registration (bulk overwrite).

use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::model::application::{Command, CommandOptionType};
use serenity::model::id::GuildId;
use serenity::model::permissions::Permissions;

/// `/claim [influencer] [campaign]`: a follower claims a code. A typed influencer credits
/// them only where the campaign takes creator codes.
pub const CLAIM: &str = "claim";
/// `/stats`: an influencer's own numbers.
pub const STATS: &str = "stats";
/// `/claim-button campaign [influencer] [message]`: a seller posts a public claim button, in a
/// server the seller allowed.
pub const CLAIM_BUTTON: &str = "claim-button";
/// The `influencer` option.
pub const OPT_INFLUENCER: &str = "influencer";
/// The `campaign` option.
pub const OPT_CAMPAIGN: &str = "campaign";
/// The `message` option of [`CLAIM_BUTTON`].
pub const OPT_MESSAGE: &str = "message";
/// The permission that makes a member a seller here: Manage Server. It is the command's default
/// permission, and checked again on the member's permissions in each interaction.
pub const SELLER_PERMISSION: Permissions = Permissions::MANAGE_GUILD;

fn text_option(name: &str, description: &str, required: bool) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::String, name, description)
        .required(required)
        .max_length(24)
}

/// Every command, as registered.
pub fn definitions() -> Vec<CreateCommand> {
    vec![
        CreateCommand::new(CLAIM)
            .description("Get your promo code (only you will see it)")
            .add_option(text_option(
                OPT_INFLUENCER,
                "A creator code, where the campaign takes them",
                false,
            ))
            .add_option(text_option(OPT_CAMPAIGN, "The campaign id", false)),
        CreateCommand::new(STATS).description("Your influencer numbers (only you will see them)"),
        CreateCommand::new(CLAIM_BUTTON)
            .description("Post a claim button for a campaign in this channel")
            .default_member_permissions(SELLER_PERMISSION)
            .dm_permission(false)
            .add_option(text_option(OPT_CAMPAIGN, "The campaign id", true))
            .add_option(text_option(
                OPT_INFLUENCER,
                "The influencer credited with claims from this button",
                false,
            ))
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::String,
                    OPT_MESSAGE,
                    "The text above the button",
                )
                .max_length(1500),
            ),
    ]
}

/// Registers [`definitions`] through `http`, replacing every command the application had
/// (bulk overwrite): globally, or in one guild (instant, for testing a server). Returns the
/// registered commands' names.
pub async fn register_commands(
    http: &serenity::http::Http,
    guild: Option<u64>,
) -> Result<Vec<String>, serenity::Error> {
    let commands = match guild {
        Some(g) => GuildId::new(g).set_commands(http, definitions()).await?,
        None => Command::set_global_commands(http, definitions()).await?,
    };
    Ok(commands.into_iter().map(|c| c.name).collect())
}
