//! The discord bot.
