// Loads the .proto text under proto/ with protobufjs (keeping snake_case field
// names, as terraform's Go code names them) and turns a service into a
// grpc-js ServiceDefinition. Source .proto files are read from the checkout
// (tsc does not copy them to build/) or from a single executable's assets.
import type * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import { readPackageFile } from '../../../schema/src/paths';

let root: protobuf.Root | undefined;

export function protoRoot(): protobuf.Root {
  if (!root) {
    root = new protobuf.Root();
    for (const file of ['tfplugin6.proto', 'plugin.proto', 'health.proto'])
      protobuf.parse(readPackageFile(`provider/src/terraform/proto/${file}`), root, { keepCase: true });
    root.resolveAll();
  }
  return root;
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: Number, bytes: Buffer, defaults: true, oneofs: true, arrays: true, objects: true };

/** A message type's codec between plain objects and bytes. */
export function codec(type: protobuf.Type): { encode(obj: object): Buffer; decode(buf: Buffer): Record<string, unknown> } {
  return {
    encode: (obj) => Buffer.from(type.encode(type.fromObject(obj as Record<string, unknown>)).finish()),
    decode: (buf) => type.toObject(type.decode(buf), TO_OBJECT),
  };
}

export function serviceDefinition(fullName: string): grpc.ServiceDefinition {
  const service = protoRoot().lookupService(fullName);
  const definition: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const method of service.methodsArray) {
    method.resolve();
    const req = codec(method.resolvedRequestType as protobuf.Type);
    const res = codec(method.resolvedResponseType as protobuf.Type);
    definition[method.name] = {
      path: `/${fullName}/${method.name}`,
      requestStream: !!method.requestStream,
      responseStream: !!method.responseStream,
      requestSerialize: (value: object) => req.encode(value),
      requestDeserialize: (bytes: Buffer) => req.decode(bytes),
      responseSerialize: (value: object) => res.encode(value),
      responseDeserialize: (bytes: Buffer) => res.decode(bytes),
      originalName: method.name,
    };
  }
  return definition;
}
