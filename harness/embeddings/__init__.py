"""Sentence encoders (MiniLM by torch or onnx, multilingual USE) and the on-disk vector store."""
