package io.tern.daemon.api;

import io.tern.transport.testing.RawWebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /api/deauthorize-user} as seen from connected websocket clients: only the named
 * user's sessions get Close 4401 {@code user deauthorized} (Part I.3 item 4; Wings closes every
 * socket), and with servers listed that user's older tokens are refused afterwards (PROTOCOL.md
 * §3.4 user denylist).
 */
class DeauthorizeUserTest
{
    private static final String S = "8d3f3e2a-3b7c-4c1e-9a53-2f1f9b6c7d10";
    private static final String T = "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d";
    private static final String UNKNOWN = "5b0e6c1a-9d2f-4e3b-8a71-0c4d2e6f8a90";
    private static final String ROUTE = "/api/deauthorize-user";
    private static final String SEND_STATS = "{\"event\":\"send stats\",\"args\":[null]}";

    @TempDir
    Path directory;
    private ApiNode node;

    @AfterEach
    void stop() throws Exception
    {
        if (node != null)
        {
            node.close();
        }
    }

    @Test
    void closesOnlyThatUsersSessionsAndRefusesTheirOldTokens() throws Exception
    {
        node = ApiNode.start(directory, ApiNode.catServer(S) + ApiNode.catServer(T));
        final RawWebSocketClient user = node.authenticated(S, ApiNode.USER);
        final RawWebSocketClient sameUserElsewhere = node.authenticated(T, ApiNode.USER);
        final RawWebSocketClient other = node.authenticated(S, ApiNode.OTHER_USER);
        final String oldToken = node.token(S, ApiNode.USER, "*");
        // The denial must fall in a later second than the tokens' iat to cover them (PROTOCOL.md §3.4).
        node.advanceSeconds(2);

        final HttpResponse<String> response = node.post(ROUTE, "{\"user\":\"" + ApiNode.USER + "\",\"servers\":[\"" + S + "\"]}");

        assertEquals(204, response.statusCode(), response.body());
        final RawWebSocketClient.Frame close = user.readClose();
        assertEquals(4401, close.closeCode());
        assertEquals("user deauthorized", close.closeReason());
        other.sendText(SEND_STATS);
        other.readEvent("stats");
        sameUserElsewhere.sendText(SEND_STATS);
        sameUserElsewhere.readEvent("stats");

        final RawWebSocketClient again = node.connect(S);
        again.sendText(ApiNode.auth(oldToken));
        final String refused = again.readText().trim();
        assertTrue(refused.startsWith("{\"event\":\"jwt error\",\"args\":[\"") && refused.endsWith("jwt: created too far in past (denylist)\"]}"),
            refused);
        node.authenticated(S, ApiNode.OTHER_USER);
    }

    @Test
    void withoutServersClosesThatUsersSessionsEverywhereWithoutDenylisting() throws Exception
    {
        node = ApiNode.start(directory, ApiNode.catServer(S) + ApiNode.catServer(T));
        final RawWebSocketClient onS = node.authenticated(S, ApiNode.USER);
        final RawWebSocketClient onT = node.authenticated(T, ApiNode.USER);
        final RawWebSocketClient other = node.authenticated(S, ApiNode.OTHER_USER);
        node.advanceSeconds(2);

        final HttpResponse<String> response = node.post(ROUTE, "{\"user\":\"" + ApiNode.USER + "\",\"servers\":[]}");

        assertEquals(204, response.statusCode(), response.body());
        assertEquals(4401, onS.readClose().closeCode());
        assertEquals(4401, onT.readClose().closeCode());
        other.sendText(SEND_STATS);
        other.readEvent("stats");
        node.authenticated(S, ApiNode.USER);
    }

    @Test
    void readsTheFieldsPelicansPanelWrapsInJson() throws Exception
    {
        node = ApiNode.start(directory, ApiNode.catServer(S));
        final RawWebSocketClient user = node.authenticated(S, ApiNode.USER);
        final RawWebSocketClient other = node.authenticated(S, ApiNode.OTHER_USER);

        final HttpResponse<String> response =
            node.post(ROUTE, "{\"json\":{\"user\":\"" + ApiNode.USER + "\",\"servers\":[\"" + S + "\"]}}");

        assertEquals(204, response.statusCode(), response.body());
        assertEquals(4401, user.readClose().closeCode());
        other.sendText(SEND_STATS);
        other.readEvent("stats");
    }

    @Test
    void onlyUnknownServersListedClosesNothing() throws Exception
    {
        node = ApiNode.start(directory, ApiNode.catServer(S));
        final RawWebSocketClient user = node.authenticated(S, ApiNode.USER);

        final HttpResponse<String> response = node.post(ROUTE, "{\"user\":\"" + ApiNode.USER + "\",\"servers\":[\"" + UNKNOWN + "\"]}");

        assertEquals(204, response.statusCode(), response.body());
        user.sendText(SEND_STATS);
        user.readEvent("stats");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"user\":\"\"}", "{\"servers\":[]}"})
    void missingUserAnswers400(final String body) throws Exception
    {
        node = ApiNode.start(directory, ApiNode.catServer(S));

        final HttpResponse<String> response = node.post(ROUTE, body);

        assertEquals(400, response.statusCode(), body);
        assertEquals("{\"error\":\"user is required: the uuid of the user to deauthorize.\"}", response.body());
    }

    @Test
    void serversThatAreNotStringsAnswer400() throws Exception
    {
        node = ApiNode.start(directory, ApiNode.catServer(S));

        final HttpResponse<String> response = node.post(ROUTE, "{\"user\":\"" + ApiNode.USER + "\",\"servers\":[1]}");

        assertEquals(400, response.statusCode());
        assertEquals("{\"error\":\"servers[0] must be a string, not 1.\"}", response.body());
    }
}
