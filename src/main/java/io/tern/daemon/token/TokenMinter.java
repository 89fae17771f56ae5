package io.tern.daemon.token;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Issues websocket JWTs exactly as a panel does (PROTOCOL.md §3.1): HS256 with the node token,
 * {@code jti} in the JOSE header and the payload, {@code iss}, {@code aud} as a one-element array,
 * integer {@code iat}/{@code nbf = iat - 300}/{@code exp}, {@code server_uuid}, {@code user_uuid},
 * {@code permissions}, {@code unique_id} and {@code scope: "websocket"}. Thread-safe.
 */
public final class TokenMinter
{
    /** A server owner's permissions on a panel. */
    public static final List<String> OWNER = List.of("*");
    /** A root admin's permissions on a panel. */
    public static final List<String> ADMIN = List.of("*", "admin.websocket.errors", "admin.websocket.install", "admin.websocket.transfer");

    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final Algorithm algorithm;
    private final String issuer;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param nodeToken the node's {@code token}.
     * @param issuer    the {@code iss} / {@code aud} value (the daemon's own address).
     */
    public TokenMinter(final byte[] nodeToken, final String issuer)
    {
        this.algorithm = Algorithm.HMAC256(nodeToken);
        this.issuer = issuer;
    }

    /**
     * @param serverUuid     the server the token is for.
     * @param userUuid       the user.
     * @param permissions    the permission list.
     * @param issuedAtSecond {@code iat}; must be after the daemon's boot second to be accepted.
     * @param ttl            lifetime ({@code exp = iat + ttl}).
     * @return the signed token.
     */
    public String mint(
        final String serverUuid,
        final String userUuid,
        final List<String> permissions,
        final long issuedAtSecond,
        final Duration ttl)
    {
        return mint(serverUuid, userUuid, permissions, issuedAtSecond, ttl, randomString(32));
    }

    /**
     * As {@link #mint(String, String, List, long, Duration)} with a chosen {@code jti}; panels
     * derive it from the user and server, so it is stable across tokens.
     *
     * @param serverUuid     the server the token is for.
     * @param userUuid       the user.
     * @param permissions    the permission list.
     * @param issuedAtSecond {@code iat}.
     * @param ttl            lifetime.
     * @param jti            the token id.
     * @return the signed token.
     */
    public String mint(
        final String serverUuid,
        final String userUuid,
        final List<String> permissions,
        final long issuedAtSecond,
        final Duration ttl,
        final String jti)
    {
        return JWT.create()
            .withHeader(Map.of("jti", jti))
            .withIssuer(issuer)
            .withAudience(issuer)
            .withJWTId(jti)
            .withIssuedAt(new Date(issuedAtSecond * 1000))
            .withNotBefore(new Date((issuedAtSecond - 300) * 1000))
            .withExpiresAt(new Date((issuedAtSecond + ttl.toSeconds()) * 1000))
            .withClaim("server_uuid", serverUuid)
            .withClaim("user_uuid", userUuid)
            .withArrayClaim("permissions", permissions.toArray(new String[0]))
            .withClaim("unique_id", randomString(16))
            .withClaim("scope", "websocket")
            .sign(algorithm);
    }

    private String randomString(final int length)
    {
        final StringBuilder builder = new StringBuilder(length);
        for (int i = 0; i < length; i++)
        {
            builder.append(ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length())));
        }
        return builder.toString();
    }
}
