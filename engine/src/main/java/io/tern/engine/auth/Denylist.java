package io.tern.engine.auth;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Token denylists (PROTOCOL.md §3.4, Pelican semantics): the boot rule (a token issued at or
 * before the daemon's start second is refused, as is one without {@code iat}), the JTI denylist
 * and the per server+user denylist, each refusing tokens issued at or before the denial.
 * Written by admin API threads, read by the handler thread; lookups do not allocate.
 */
public final class Denylist
{
    private final long bootEpochSeconds;
    private final ConcurrentHashMap<String, Long> deniedJtis = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Long>> deniedUsers = new ConcurrentHashMap<>();

    /**
     * @param bootEpochSeconds the second the daemon started.
     */
    public Denylist(final long bootEpochSeconds)
    {
        this.bootEpochSeconds = bootEpochSeconds;
    }

    /**
     * Denies every token with this jti issued at or before {@code nowNanos}.
     *
     * @param jti      the token id.
     * @param nowNanos the denial time, epoch nanoseconds.
     */
    public void denyJti(final String jti, final long nowNanos)
    {
        deniedJtis.put(jti, nowNanos);
    }

    /**
     * Denies every token of {@code userUuid} for {@code serverUuid} issued at or before {@code nowNanos}.
     *
     * @param serverUuid the server.
     * @param userUuid   the user.
     * @param nowNanos   the denial time, epoch nanoseconds.
     */
    public void denyUser(final String serverUuid, final String userUuid, final long nowNanos)
    {
        deniedUsers.computeIfAbsent(serverUuid, k -> new ConcurrentHashMap<>()).put(userUuid, nowNanos);
    }

    /**
     * @param token a verified token.
     * @return true when one of the rules refuses it.
     */
    public boolean isDenied(final VerifiedToken token)
    {
        final long iat = token.issuedAtSeconds();
        if (iat <= bootEpochSeconds || token.serverUuid().isEmpty() || token.userUuid().isEmpty())
        {
            return true;
        }
        final long issuedNanos = iat * 1_000_000_000L;
        if (!deniedJtis.isEmpty() && !token.jti().isEmpty())
        {
            final Long denied = deniedJtis.get(token.jti());
            if (denied != null && issuedNanos <= denied)
            {
                return true;
            }
        }
        if (!deniedUsers.isEmpty())
        {
            final ConcurrentHashMap<String, Long> users = deniedUsers.get(token.serverUuid());
            if (users != null)
            {
                final Long denied = users.get(token.userUuid());
                return denied != null && issuedNanos <= denied;
            }
        }
        return false;
    }
}
