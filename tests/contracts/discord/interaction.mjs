// The interaction Discord POSTs to an Interactions Endpoint URL. Discord's OpenAPI spec
// describes what the API returns and accepts, not what it sends to an endpoint, so there is no
// generated schema for it: this one is put together from the spec's own parts (snowflakes,
// users, members, messages, locales, entitlements and the enums), with the fields of the
// "Interaction Object" of Discord's documentation (Interactions > Receiving and Responding).
import * as z from "zod/mini";
import * as spec from "discord-api-spec/zod";

const Snowflake = spec.SnowflakeTypeSchema;
// An interaction's member carries the member's permissions in the channel (a bit set as text).
const Member = z.extend(spec.GuildMemberResponseSchema, {
  permissions: z.string().check(z.regex(/^(0|[1-9][0-9]*)$/)),
});

const CommandOption = z.object({
  name: z.string().check(z.minLength(1), z.maxLength(32)),
  type: spec.ApplicationCommandOptionTypeSchema,
  value: z.optional(z.union([z.string(), z.number(), z.boolean()])),
  get options() {
    return z.optional(z.array(CommandOption));
  },
  focused: z.optional(z.boolean()),
});

const CommandData = z.object({
  id: Snowflake,
  name: z.string().check(z.minLength(1), z.maxLength(32)),
  type: spec.ApplicationCommandTypeSchema,
  options: z.optional(z.array(CommandOption)),
  guild_id: z.optional(Snowflake),
  target_id: z.optional(Snowflake),
  resolved: z.optional(z.record(z.string(), z.unknown())),
});

const ComponentData = z.object({
  custom_id: z.string().check(z.minLength(1), z.maxLength(100)),
  component_type: spec.MessageComponentTypesSchema,
  values: z.optional(z.array(z.string())),
  resolved: z.optional(z.record(z.string(), z.unknown())),
});

const Base = {
  id: Snowflake,
  application_id: Snowflake,
  token: z.string().check(z.minLength(1)),
  version: z.literal(1),
};

const Ping = z.object({ ...Base, type: z.literal(1) });

const Invoked = {
  ...Base,
  guild_id: z.optional(Snowflake),
  channel_id: z.optional(Snowflake),
  member: z.optional(Member),
  user: z.optional(spec.UserResponseSchema),
  locale: spec.AvailableLocalesEnumSchema,
  guild_locale: z.optional(spec.AvailableLocalesEnumSchema),
  app_permissions: z.string().check(z.regex(/^(0|[1-9][0-9]*)$/)),
  entitlements: z.array(spec.EntitlementResponseSchema),
  authorizing_integration_owners: z.record(z.string(), Snowflake),
  context: z.optional(spec.InteractionContextTypeSchema),
  attachment_size_limit: z.int().check(z.minimum(0)),
};

const Command = z.object({ ...Invoked, type: z.literal(2), data: CommandData });
const Component = z.object({
  ...Invoked,
  type: z.literal(3),
  data: ComponentData,
  message: spec.MessageResponseSchema,
});

// A guild interaction has a member and a guild id; one in a DM or a group DM has a user.
const OneSource = (i) => i.type === 1 || (i.member ? i.guild_id && !i.user : i.user && !i.guild_id);

export const Interaction = z
  .discriminatedUnion("type", [Ping, Command, Component])
  .check(z.refine(OneSource, { message: "needs member and guild_id (in a guild) or user (in a DM), not both" }));
