import { CloseCode } from 'graphql-ws';

/** The codes this server closes a WebSocket with, besides those graphql-ws sends itself (4400-4499, 1001 on dispose). */
export enum SocketCloseCode {
  /** RFC 6455's "try again later": the server cannot serve now (its database away) but may shortly. */
  TryAgainLater = 1013,
  /** graphql-ws's own: the token was refused, or has expired while the socket was open. */
  Forbidden = CloseCode.Forbidden,
  /** Over the per-user cap of sockets on this instance (a code graphql-ws does not use). */
  TooManySockets = 4430,
}
