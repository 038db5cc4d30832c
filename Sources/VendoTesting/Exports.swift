// `import VendoTesting` brings the SDK with it: tests build `Connection`s,
// `EventStreamMessage`s and `VendoError`s alongside the mocks.
@_exported import Vendo
