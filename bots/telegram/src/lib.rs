//! The telegram bot.
