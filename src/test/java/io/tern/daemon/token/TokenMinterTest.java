package io.tern.daemon.token;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.jsoniter.JsonIterator;
import com.jsoniter.ValueType;
import com.jsoniter.any.Any;
import io.tern.engine.auth.Denylist;
import io.tern.engine.auth.Permissions;
import io.tern.engine.auth.TokenException;
import io.tern.engine.auth.TokenVerifier;
import io.tern.engine.auth.VerifiedToken;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pins the tokens {@link TokenMinter} issues to the panel's JWT of PROTOCOL.md §3.1, and checks that
 * the engine's own verifier accepts them.
 */
class TokenMinterTest
{
    private static final String KEY = "minter-test-node-token-0123456789abcdefghij";
    private static final String PANEL = "https://panel.test";
    private static final String SERVER = "8d3f3e2a-3b7c-4c1e-9a53-2f1f9b6c7d10";
    private static final String USER = "2c7a0b8e-6d61-4c55-9a30-1f0c9d2b7e11";
    private static final long BOOT_SECOND = 1_800_000_000L;
    private static final long IAT = BOOT_SECOND + 1;

    private final TokenMinter minter = new TokenMinter(KEY.getBytes(StandardCharsets.UTF_8), PANEL);

    @Test
    void headerIsHs256JwtCarryingTheJti()
    {
        final String jwt = minter.mint(SERVER, USER, List.of("*"), IAT, Duration.ofMinutes(10), "4c1d9a7e0b2f");

        final Any header = part(jwt, 0);
        assertEquals("HS256", header.toString("alg"));
        assertEquals("JWT", header.toString("typ"));
        assertEquals("4c1d9a7e0b2f", header.toString("jti"));
        assertEquals("4c1d9a7e0b2f", part(jwt, 1).toString("jti"));
    }

    @Test
    void payloadHasEveryPanelClaim()
    {
        final String jwt = minter.mint(SERVER, USER, List.of("websocket.connect", "control.console"), IAT, Duration.ofMinutes(10));

        final DecodedJWT decoded = JWT.decode(jwt);
        assertEquals(PANEL, decoded.getIssuer());
        assertEquals(List.of(PANEL), decoded.getAudience());
        assertEquals(SERVER, decoded.getClaim("server_uuid").asString());
        assertEquals(USER, decoded.getClaim("user_uuid").asString());
        assertEquals(List.of("websocket.connect", "control.console"), decoded.getClaim("permissions").asList(String.class));
        assertEquals("websocket", decoded.getClaim("scope").asString());
        assertEquals(decoded.getHeaderClaim("jti").asString(), decoded.getId());
        assertTrue(decoded.getId().matches("[A-Za-z0-9]{32}"), decoded.getId());
    }

    @Test
    void audienceIsAOneElementArrayAsPanelsEmitIt()
    {
        final Any audience = part(minter.mint(SERVER, USER, List.of("*"), IAT, Duration.ofMinutes(10)), 1).get("aud");

        assertEquals(ValueType.ARRAY, audience.valueType(), audience.toString());
        assertEquals(1, audience.size());
        assertEquals(PANEL, audience.toString(0));
    }

    @Test
    void datesAreIntegerSecondsWithNotBeforeFiveMinutesEarlier()
    {
        final Any payload = part(minter.mint(SERVER, USER, List.of("*"), IAT, Duration.ofMinutes(10)), 1);

        for (final String claim : List.of("iat", "nbf", "exp"))
        {
            assertEquals(ValueType.NUMBER, payload.get(claim).valueType(), claim);
            assertTrue(payload.toString(claim).matches("[0-9]+"), claim + " = " + payload.toString(claim));
        }
        assertEquals(IAT, payload.toLong("iat"));
        assertEquals(IAT - 300, payload.toLong("nbf"));
        assertEquals(IAT + 600, payload.toLong("exp"));
    }

    @Test
    void uniqueIdIsSixteenFreshAlphanumerics()
    {
        final String first = JWT.decode(minter.mint(SERVER, USER, List.of("*"), IAT, Duration.ofMinutes(10), "same")).getClaim("unique_id").asString();
        final String second = JWT.decode(minter.mint(SERVER, USER, List.of("*"), IAT, Duration.ofMinutes(10), "same")).getClaim("unique_id").asString();

        assertTrue(first.matches("[A-Za-z0-9]{16}"), first);
        assertTrue(second.matches("[A-Za-z0-9]{16}"), second);
        assertNotEquals(first, second);
    }

    @Test
    void eachTokenWithoutAChosenJtiGetsItsOwn()
    {
        assertNotEquals(
            JWT.decode(minter.mint(SERVER, USER, List.of("*"), IAT, Duration.ofMinutes(10))).getId(),
            JWT.decode(minter.mint(SERVER, USER, List.of("*"), IAT, Duration.ofMinutes(10))).getId());
    }

    @Test
    void signatureVerifiesWithTheNodeTokenOnly()
    {
        final String jwt = minter.mint(SERVER, USER, List.of("*"), IAT, Duration.ofMinutes(10));

        Algorithm.HMAC256(KEY).verify(JWT.decode(jwt));
        assertThrows(com.auth0.jwt.exceptions.SignatureVerificationException.class,
            () -> Algorithm.HMAC256(KEY + "x").verify(JWT.decode(jwt)));
    }

    @Test
    void textThatNeedsEscapingSurvivesTheRoundTrip()
    {
        final String jwt = new TokenMinter(KEY.getBytes(StandardCharsets.UTF_8), "https://panel.test/\"quoted\"\\")
            .mint(SERVER, USER, List.of("a\"b", "c\\d", "tab\there", "é"), IAT, Duration.ofMinutes(10), "j\"ti");

        final DecodedJWT decoded = JWT.decode(jwt);
        assertEquals("https://panel.test/\"quoted\"\\", decoded.getIssuer());
        assertEquals(List.of("a\"b", "c\\d", "tab\there", "é"), decoded.getClaim("permissions").asList(String.class));
        assertEquals("j\"ti", decoded.getId());
        assertEquals("j\"ti", decoded.getHeaderClaim("jti").asString());
        Algorithm.HMAC256(KEY).verify(decoded);
    }

    @Test
    void engineVerifierAcceptsAMintedToken() throws TokenException
    {
        final String jwt = minter.mint(SERVER, USER, List.of("websocket.connect", "control.console"), IAT, Duration.ofMinutes(10), "jti-1");

        final VerifiedToken token = verifier(true).verifyForServer(jwt, SERVER, nanos(IAT));

        assertEquals(SERVER, token.serverUuid());
        assertEquals(USER, token.userUuid());
        assertEquals("jti-1", token.jti());
        assertEquals(IAT, token.issuedAtSeconds());
        assertEquals(IAT + 600, token.expiresAtSeconds());
        assertTrue(token.has(Permissions.CONNECT));
        assertTrue(token.has(Permissions.CONSOLE));
        assertFalse(token.has(Permissions.START));
        assertTrue(token.hasScope());
    }

    @Test
    void engineVerifierAcceptsATokenThroughItsLastSecondOnly() throws TokenException
    {
        final String jwt = minter.mint(SERVER, USER, List.of("*"), IAT, Duration.ofSeconds(90));

        verifier(false).verifyForServer(jwt, SERVER, nanos(IAT + 90) + 999_999_999L);
        final TokenException expired = assertThrows(TokenException.class,
            () -> verifier(false).verifyForServer(jwt, SERVER, nanos(IAT + 91)));
        assertEquals(TokenVerifier.EXPIRED, expired.getMessage());
    }

    @Test
    void engineVerifierRefusesATokenIssuedInTheBootSecond()
    {
        final String jwt = minter.mint(SERVER, USER, List.of("*"), BOOT_SECOND, Duration.ofMinutes(10));

        final TokenException denied = assertThrows(TokenException.class,
            () -> verifier(false).verifyForServer(jwt, SERVER, nanos(IAT)));
        assertEquals(TokenVerifier.DENYLISTED, denied.getMessage());
    }

    @Test
    void engineVerifierRefusesATokenForAnotherServer()
    {
        final String jwt = minter.mint(SERVER, USER, List.of("*"), IAT, Duration.ofMinutes(10));

        final TokenException mismatch = assertThrows(TokenException.class,
            () -> verifier(false).verifyForServer(jwt, "0a1b2c3d-0000-4000-8000-000000000000", nanos(IAT)));
        assertEquals(TokenVerifier.SERVER_MISMATCH, mismatch.getMessage());
    }

    private static TokenVerifier verifier(final boolean requireScope)
    {
        return new TokenVerifier(KEY.getBytes(StandardCharsets.UTF_8), requireScope, new Denylist(BOOT_SECOND));
    }

    private static long nanos(final long epochSecond)
    {
        return epochSecond * 1_000_000_000L;
    }

    /** The JSON of a token's header (0) or payload (1), as sent. */
    private static Any part(final String jwt, final int index)
    {
        return JsonIterator.deserialize(Base64.getUrlDecoder().decode(jwt.split("\\.")[index]));
    }
}
