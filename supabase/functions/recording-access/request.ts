// What a client may ask the broker: one recording, a survey's playlist, or an upload slot in
// one response. `expires_in` (seconds) may shorten a download URL's life, never lengthen it
// past MAX_EXPIRES_IN: a longer request is clamped, and the answer says the lifetime granted.
import { z } from "zod";

export const MAX_EXPIRES_IN = 60;

const uuid = z.string().uuid();
const expiresIn = z.number().int().min(1).optional()
  .transform((v) => Math.min(v ?? MAX_EXPIRES_IN, MAX_EXPIRES_IN));

export const BrokerRequest = z.union([
  z.object({ recording_id: uuid, expires_in: expiresIn }).strict(),
  z.object({ survey_id: uuid, expires_in: expiresIn }).strict(),
  z.object({
    upload: z.object({
      response_id: uuid,
      // The uuid the client gives the file (and the recording row it writes next); fresh if absent.
      file_id: uuid.optional(),
      extension: z.enum(["webm", "ogg", "mp3", "m4a", "wav"]),
    }).strict(),
  }).strict(),
]);

export type BrokerRequest = z.output<typeof BrokerRequest>;
