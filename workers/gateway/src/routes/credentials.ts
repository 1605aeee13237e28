import { lengthBetween, printable } from "#shared/contracts/text";

/**
 * What a login takes (API v1 and the tutorial's `/register`). Looser than v1
 * registration so users registered through the tutorial (any printable name, passwords
 * like "pass123") can log in too.
 */
export const LoginFields = {
	username: printable(1, 255).meta({ example: "alice" }),
	password: lengthBetween(1, 1024).meta({ example: "correct horse battery" }),
};
