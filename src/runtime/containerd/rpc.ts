/**
 * The one transport to containerd: a @grpc/grpc-js channel to its unix socket, and nice-grpc's typed
 * clients (promises for unary calls, async iterables for streams) made from the service definitions
 * ts-proto generates from protos/ (./gen, written by the build). Every call of every service goes
 * through the same middleware: nice-grpc's deadlines, then the mapping of a gRPC status to tsdock's
 * errors (status.ts), with a TSDOCK_TRACE span per call.
 */
import { isAbortError } from 'abort-controller-x';
import {
  Channel,
  ChannelCredentials,
  ClientError,
  createClientFactory,
  type CallOptions,
  type Client,
  type ClientMiddleware,
  type ClientMiddlewareCall,
  type CompatServiceDefinition,
} from 'nice-grpc';
import { deadlineMiddleware, type DeadlineOptions } from 'nice-grpc-client-middleware-deadline';
import { TRACE, traceSpan } from '../trace.js';
import { statusError } from './status.js';

export type RpcOptions = CallOptions & DeadlineOptions;
export type RpcClient<S extends CompatServiceDefinition> = Client<S, DeadlineOptions>;

/** Image configs and manifests are small; a Content.Read chunk or a List answer may not be. */
const MAX_MESSAGE = 64 << 20;

/**
 * containerd's answers as tsdock's errors. A stream its caller aborted (an events subscription
 * that is done) simply ends.
 */
function containerdErrors(address: string): ClientMiddleware {
  return async function* containerdErrors<Req, Res>(
    call: ClientMiddlewareCall<Req, Res>,
    options: CallOptions,
  ): AsyncGenerator<Res, Res | void, undefined> {
    const t0 = TRACE ? performance.now() : 0;
    try {
      return yield* call.next(call.request, options);
    } catch (err) {
      if (call.responseStream && isAbortError(err) && options.signal?.aborted) return;
      if (err instanceof ClientError) throw statusError(err.code, err.details, address, err);
      throw err;
    } finally {
      if (TRACE) traceSpan('rpc', call.method.path, t0);
    }
  };
}

/** One channel to a containerd socket and the typed clients over it, each made on first use. */
export class Connection {
  private readonly channel: Channel;
  private readonly factory;
  private readonly clients = new Map<CompatServiceDefinition, unknown>();

  constructor(readonly address: string) {
    this.channel = new Channel(`unix:${address}`, ChannelCredentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_MESSAGE,
      'grpc.max_send_message_length': MAX_MESSAGE,
      // A unix socket never goes through a proxy, whatever http_proxy says.
      'grpc.enable_http_proxy': 0,
    });
    // The first middleware attached is the innermost: a deadline's status is mapped like any other.
    this.factory = createClientFactory().use(deadlineMiddleware).use(containerdErrors(address));
  }

  client<S extends CompatServiceDefinition>(definition: S): RpcClient<S> {
    let c = this.clients.get(definition) as RpcClient<S> | undefined;
    if (!c) {
      c = this.factory.create(definition, this.channel);
      this.clients.set(definition, c);
    }
    return c;
  }

  close(): void {
    this.channel.close();
  }
}
