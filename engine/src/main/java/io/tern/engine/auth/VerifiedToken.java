package io.tern.engine.auth;

/**
 * The claims of a websocket JWT that passed signature, algorithm and date checks. Immutable;
 * created by {@link TokenVerifier} (allocation is fine there: {@code auth} is rate limited to
 * 2 per 5 s) and then read by the handler thread and, for permission bits, the fan-out thread.
 */
public final class VerifiedToken
{
    private final String serverUuid;
    private final String userUuid;
    private final String jti;
    private final long issuedAtSeconds;
    private final long expiresAtSeconds;
    private final int permissions;
    private final boolean hasScope;

    /**
     * @param serverUuid       {@code server_uuid} claim.
     * @param userUuid         {@code user_uuid} claim.
     * @param jti              {@code jti} claim (JOSE header or payload), may be empty.
     * @param issuedAtSeconds  {@code iat}.
     * @param expiresAtSeconds {@code exp}.
     * @param permissions      bit set of {@link Permissions}.
     * @param hasScope         whether the {@code scope} rule allows the websocket ({@code scope} lists {@code websocket}, or is absent and not required).
     */
    public VerifiedToken(
        final String serverUuid,
        final String userUuid,
        final String jti,
        final long issuedAtSeconds,
        final long expiresAtSeconds,
        final int permissions,
        final boolean hasScope)
    {
        this.serverUuid = serverUuid;
        this.userUuid = userUuid;
        this.jti = jti;
        this.issuedAtSeconds = issuedAtSeconds;
        this.expiresAtSeconds = expiresAtSeconds;
        this.permissions = permissions;
        this.hasScope = hasScope;
    }

    public String serverUuid()
    {
        return serverUuid;
    }

    public String userUuid()
    {
        return userUuid;
    }

    public String jti()
    {
        return jti;
    }

    public long issuedAtSeconds()
    {
        return issuedAtSeconds;
    }

    public long expiresAtSeconds()
    {
        return expiresAtSeconds;
    }

    /**
     * @return the permission bit set, see {@link Permissions}.
     */
    public int permissions()
    {
        return permissions;
    }

    /**
     * @param permissionBit one {@link Permissions} bit.
     * @return whether the token grants it (with the {@code *} / {@code admin} rule already applied).
     */
    public boolean has(final int permissionBit)
    {
        return (permissions & permissionBit) != 0;
    }

    public boolean hasScope()
    {
        return hasScope;
    }
}
