// gRPC errors the engine understands. Messages here reach the user's
// terminal and logs, so they are built only from property paths, names and
// runtime messages (which never contain environment values) — never from input values.
import * as grpc from '@grpc/grpc-js';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import * as errorsPb from '@pulumi/pulumi/proto/errors_pb';
import * as providerPb from '@pulumi/pulumi/proto/provider_pb';
import * as statusPb from '@pulumi/pulumi/proto/status_pb';
import { LttleError } from '../../../schema/src/errors';
import { toPulumiPath, type PropertyFailure } from './properties';
import { formatPropertyPath, toStruct, type JsonObject } from './values';

/** A failure tied to input properties, e.g. a refused volume shrink found in Diff. */
export class PropertyError extends Error {
  constructor(readonly failures: PropertyFailure[]) {
    // Reasons start with their property path already ("size must not be smaller ...").
    super(failures.map((f) => f.reason).join('; '));
    this.name = 'PropertyError';
  }
}

/**
 * The resource exists but did not become ready: the engine records it with
 * its id and outputs (so the next `up` updates it instead of creating it again).
 */
export class InitError extends Error {
  constructor(
    readonly id: string,
    readonly properties: JsonObject,
    readonly reasons: string[],
    readonly inputs?: JsonObject,
  ) {
    super(reasons.join('; '));
    this.name = 'InitError';
  }
}

export interface GrpcError extends Partial<grpc.StatusObject> {
  code: grpc.status;
  details: string;
  message: string;
}

function withDetails(code: grpc.status, message: string, typeName: string, detail: Uint8Array): GrpcError {
  const status = new statusPb.Status();
  status.setCode(code);
  status.setMessage(message);
  const any = new Any();
  any.pack(detail, typeName);
  status.addDetails(any);
  const metadata = new grpc.Metadata();
  // The structured-details trailer that Go's gRPC (the engine) reads as status details.
  metadata.add('grpc-status-details-bin', Buffer.from(status.serializeBinary()));
  return { code, details: message, message, metadata };
}

export function toGrpcError(err: unknown): GrpcError {
  if (err instanceof InitError) {
    const detail = new providerPb.ErrorResourceInitFailed();
    detail.setId(err.id);
    detail.setProperties(toStruct(err.properties));
    detail.setReasonsList(err.reasons);
    if (err.inputs) detail.setInputs(toStruct(err.inputs));
    return withDetails(grpc.status.UNKNOWN, err.message, 'pulumirpc.ErrorResourceInitFailed', detail.serializeBinary());
  }
  if (err instanceof PropertyError) {
    const detail = new errorsPb.InputPropertiesError();
    for (const f of err.failures) {
      const e = new errorsPb.InputPropertiesError.PropertyError();
      e.setPropertyPath(f.property);
      e.setReason(f.reason);
      detail.addErrors(e);
    }
    return withDetails(grpc.status.INVALID_ARGUMENT, err.message, 'pulumirpc.InputPropertiesError', detail.serializeBinary());
  }
  if (err instanceof LttleError) {
    if (err.issues.length) {
      return toGrpcError(new PropertyError(err.issues.map((i) => ({ property: formatPropertyPath(toPulumiPath(i.path)), reason: i.message }))));
    }
    const code =
      err.code === 'not_found'
        ? grpc.status.NOT_FOUND
        : err.code === 'conflict' || err.code === 'busy'
          ? grpc.status.FAILED_PRECONDITION
          : err.code === 'unauthorized'
            ? grpc.status.UNAUTHENTICATED
            : err.code === 'unreachable'
              ? grpc.status.UNAVAILABLE
              : err.code === 'timeout'
                ? grpc.status.DEADLINE_EXCEEDED
                : err.code === 'insufficient_storage'
                  ? grpc.status.RESOURCE_EXHAUSTED
                  : grpc.status.UNKNOWN;
    return { code, details: err.message, message: err.message };
  }
  if (err instanceof Unimplemented) return { code: grpc.status.UNIMPLEMENTED, details: err.message, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: grpc.status.UNKNOWN, details: message, message };
}

export class Unimplemented extends Error {}
