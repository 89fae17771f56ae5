package io.tern.engine.auth;

/**
 * A token was refused. The message is the exact protocol text (PROTOCOL.md §3.8), e.g.
 * {@code jwt: exp claim is invalid}; {@link #isJwtError()} says whether it is answered as a
 * {@code jwt error} (expiry, denylist, permission, server mismatch) or as a {@code daemon error}
 * (malformed or badly signed tokens, whose detail only admins see).
 */
public final class TokenException extends Exception
{
    private final boolean jwtError;

    /**
     * @param message  the protocol error text.
     * @param jwtError true for the {@code jwt error} family.
     */
    public TokenException(final String message, final boolean jwtError)
    {
        super(message, null, false, false);
        this.jwtError = jwtError;
    }

    /**
     * @return true when the failure is answered with a {@code jwt error} frame.
     */
    public boolean isJwtError()
    {
        return jwtError;
    }
}
