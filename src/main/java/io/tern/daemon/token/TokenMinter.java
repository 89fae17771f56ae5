package io.tern.daemon.token;

import io.tern.daemon.json.JsonWriter;

import com.auth0.jwt.algorithms.Algorithm;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * Issues websocket JWTs exactly as a panel does (PROTOCOL.md §3.1): HS256 with the node token,
 * {@code jti} in the JOSE header and the payload, {@code iss}, {@code aud} as a one-element array,
 * integer {@code iat}/{@code nbf = iat - 300}/{@code exp}, {@code server_uuid}, {@code user_uuid},
 * {@code permissions}, {@code unique_id} and {@code scope: "websocket"}. The JSON is written here
 * rather than by java-jwt's builder, which collapses a one-element audience to a string. Thread-safe.
 */
public final class TokenMinter
{
    /** A server owner's permissions on a panel. */
    public static final List<String> OWNER = List.of("*");
    /** A root admin's permissions on a panel. */
    public static final List<String> ADMIN = List.of("*", "admin.websocket.errors", "admin.websocket.install", "admin.websocket.transfer");

    private static final long NOT_BEFORE_SECONDS = 300;
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
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
        final StringBuilder header = new StringBuilder(64).append("{\"typ\":\"JWT\",\"alg\":\"HS256\",\"jti\":");
        JsonWriter.appendString(header, jti).append('}');
        final StringBuilder payload = new StringBuilder(512).append("{\"iss\":");
        JsonWriter.appendString(payload, issuer).append(",\"aud\":[");
        JsonWriter.appendString(payload, issuer).append("],\"jti\":");
        JsonWriter.appendString(payload, jti)
            .append(",\"iat\":").append(issuedAtSecond)
            .append(",\"nbf\":").append(issuedAtSecond - NOT_BEFORE_SECONDS)
            .append(",\"exp\":").append(issuedAtSecond + ttl.toSeconds())
            .append(",\"server_uuid\":");
        JsonWriter.appendString(payload, serverUuid).append(",\"permissions\":[");
        for (int i = 0; i < permissions.size(); i++)
        {
            if (i > 0)
            {
                payload.append(',');
            }
            JsonWriter.appendString(payload, permissions.get(i));
        }
        payload.append("],\"user_uuid\":");
        JsonWriter.appendString(payload, userUuid).append(",\"unique_id\":");
        JsonWriter.appendString(payload, randomString(16)).append(",\"scope\":\"websocket\"}");

        final String encodedHeader = BASE64URL.encodeToString(header.toString().getBytes(StandardCharsets.UTF_8));
        final String encodedPayload = BASE64URL.encodeToString(payload.toString().getBytes(StandardCharsets.UTF_8));
        final byte[] signature = algorithm.sign(
            encodedHeader.getBytes(StandardCharsets.US_ASCII), encodedPayload.getBytes(StandardCharsets.US_ASCII));
        return encodedHeader + '.' + encodedPayload + '.' + BASE64URL.encodeToString(signature);
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
