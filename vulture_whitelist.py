"""Names vulture (`make test`) reports as unused that are used from outside our code.

Each is called or read by a library or protocol, never by name in this repository: keep the list
to such names. Anything else vulture finds is dead code: delete it.
"""
# ruff: noqa
# http.server: request handlers and their class attributes
_.do_GET
_.do_POST
_.log_message
_.daemon_threads
_.close_connection
server_version
protocol_version
# html.parser.HTMLParser callbacks
_.handle_starttag
_.handle_endtag
_.handle_data
# llama-index BaseEmbedding / LLM hooks
_.class_name
_._get_text_embedding
_._aget_query_embedding
_._get_query_embedding
# torch.nn.Module (the int8 export wrapper)
_.forward
# onnxruntime.SessionOptions and the llama.cpp context parameters, set for the library to read
_.intra_op_num_threads
_.inter_op_num_threads
_.graph_optimization_level
_.n_threads
_.n_threads_batch
_.n_seq_max
_.kv_unified
# module __getattr__ (PEP 562: lazy `qa.ask`)
__getattr__
# pytest reads these
pytestmark
# dataclass fields kept in stored records and JSON reports (read through asdict / metadata)
passage_id
chars
ingested_at
rss_timeline
