import { afterEach, describe, expect, it, vi } from "vitest";
import { logEmailSender, maskedAddress } from "./email";

afterEach(() => {
	vi.restoreAllMocks();
});

describe("the log e-mail sender", () => {
	describe("security", () => {
		it("logs the address masked, never in full", async () => {
			const log = vi.spyOn(console, "log").mockImplementation(() => {});
			await logEmailSender.send({
				to: "ada.lovelace@example.com",
				subject: "Welcome, ada",
				text: "Your account is ready.",
				idempotencyKey: "k1",
			});
			const line = String(log.mock.calls[0]?.[0]);
			expect(line).not.toContain("ada.lovelace");
			expect(JSON.parse(line)).toMatchObject({ email: "sent", to: "a***@example.com" });
		});

		it.each([
			["a***@example.com", "a@example.com"],
			["***", "no-at-sign"],
			["***", "@example.com"],
		])("masks to %s from %s", (masked, address) => {
			expect(maskedAddress(address)).toBe(masked);
		});
	});
});
