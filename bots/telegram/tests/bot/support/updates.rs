//! Telegram update shapes, as the Bot API sends them.

use serde_json::{Value, json};

const DATE: i64 = 1_700_000_000;

fn user(id: u64, lang: Option<&str>) -> Value {
    let mut u =
        json!({"id": id, "is_bot": false, "first_name": "Ann", "username": format!("user{id}")});
    if let Some(l) = lang {
        u["language_code"] = json!(l);
    }
    u
}

fn private_chat(id: u64) -> Value {
    json!({"id": id, "first_name": "Ann", "username": format!("user{id}"), "type": "private"})
}

fn command_entities(text: &str) -> Value {
    if text.starts_with('/') {
        // Telegram measures entities in UTF-16 code units, not bytes.
        let len = text
            .split_whitespace()
            .next()
            .map_or(0, |word| word.encode_utf16().count());
        json!([{"offset": 0, "length": len, "type": "bot_command"}])
    } else {
        json!([])
    }
}

/// A text message from `user` in their private chat with the bot.
pub fn private_text(update_id: u32, user_id: u64, text: &str) -> Value {
    private_text_lang(update_id, user_id, text, Some("en"))
}

/// A private text message with a language code.
pub fn private_text_lang(update_id: u32, user_id: u64, text: &str, lang: Option<&str>) -> Value {
    json!({
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": user(user_id, lang),
            "chat": private_chat(user_id),
            "date": DATE,
            "text": text,
            "entities": command_entities(text),
        }
    })
}

/// A text message from `user` in a supergroup.
pub fn group_text(update_id: u32, user_id: u64, chat_id: i64, text: &str) -> Value {
    json!({
        "update_id": update_id,
        "message": {
            "message_id": 77,
            "from": user(user_id, Some("en")),
            "chat": {"id": chat_id, "title": "Fans of Alice", "type": "supergroup"},
            "date": DATE,
            "text": text,
            "entities": command_entities(text),
        }
    })
}

/// A message in a basic group.
pub fn basic_group_text(update_id: u32, user_id: u64, chat_id: i64, text: &str) -> Value {
    let mut u = group_text(update_id, user_id, chat_id, text);
    u["message"]["chat"] = json!({"id": chat_id, "title": "Fans", "type": "group"});
    u
}

/// An edit of an earlier private message.
pub fn edited_private_text(update_id: u32, user_id: u64, text: &str) -> Value {
    json!({
        "update_id": update_id,
        "edited_message": {
            "message_id": 5,
            "from": user(user_id, Some("en")),
            "chat": private_chat(user_id),
            "date": DATE,
            "edit_date": DATE + 30,
            "text": text,
            "entities": command_entities(text),
        }
    })
}

/// A post in a channel the bot administers.
pub fn channel_post(update_id: u32, chat_id: i64, text: &str) -> Value {
    let chat =
        json!({"id": chat_id, "title": "Shop news", "username": "shop_news", "type": "channel"});
    json!({
        "update_id": update_id,
        "channel_post": {
            "message_id": 12,
            "sender_chat": chat.clone(),
            "chat": chat,
            "date": DATE,
            "text": text,
            "entities": command_entities(text),
        }
    })
}

/// A tap on an inline button under one of the bot's messages in the user's private chat.
pub fn callback(update_id: u32, user_id: u64, data: &str) -> Value {
    json!({
        "update_id": update_id,
        "callback_query": {
            "id": format!("cbq-{update_id}"),
            "from": user(user_id, Some("en")),
            "message": {
                "message_id": 3,
                "from": {"id": 999, "is_bot": true, "first_name": "Promo", "username": "promo_test_bot"},
                "chat": private_chat(user_id),
                "date": DATE,
                "text": "Sorry, all codes have been claimed.",
            },
            "chat_instance": "-4823943204",
            "data": data,
        }
    })
}

/// The bot was blocked by a user (a kind the bot does not handle).
pub fn my_chat_member(update_id: u32, user_id: u64) -> Value {
    let bot =
        json!({"id": 999, "is_bot": true, "first_name": "Promo", "username": "promo_test_bot"});
    json!({
        "update_id": update_id,
        "my_chat_member": {
            "chat": private_chat(user_id),
            "from": user(user_id, None),
            "date": DATE,
            "old_chat_member": {"user": bot.clone(), "status": "member"},
            "new_chat_member": {"user": bot, "status": "kicked", "until_date": 0},
        }
    })
}

/// An update kind newer than the bot's library.
pub fn future_kind(update_id: u32) -> Value {
    json!({"update_id": update_id, "quantum_entanglement": {"spin": "up"}})
}
