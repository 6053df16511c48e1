//! The HTTP side of an upload (XEP-0363 §5; UPLOAD-06, UPLOAD-07,
//! UPLOAD-11): the file streamed from disk in a PUT to the slot's URL, with
//! `Content-Length` and the requested `Content-Type`, and the slot's
//! filtered headers; 201 is success, anything else a failure.
//!
//! HTTP/1.1 with hyper over the same rustls configuration the XMPP
//! connection uses ([`crate::xmpp::tls::client_config`] with `ca_file`),
//! so an upload trusts exactly the certificates the login trusts. Plain
//! `http://` only when the caller allows it (a test or dev setting). Runs
//! in a tokio task: never on the UI's. The send has no deadline of its own
//! (a large file on a slow link takes long); the user can cancel it. The store's side is
//! [`crate::app::upload`].

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::body::{Body, Frame, SizeHint};
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_rustls::TlsConnector;

/// How long connecting (TCP and TLS) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How much is read from disk at a time.
const CHUNK: usize = 64 * 1024;

/// One PUT.
#[derive(Clone, Debug)]
pub struct Put {
    pub path: String,
    pub url: String,
    /// Already filtered (UPLOAD-05).
    pub headers: Vec<(String, String)>,
    /// The size the slot was asked for: the `Content-Length` (UPLOAD-06).
    pub size: u64,
    pub content_type: Option<String>,
}

/// The size of the regular file at `path`.
pub async fn file_size(path: &str) -> Result<u64, String> {
    let metadata = tokio::fs::metadata(path)
        .await
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    if !metadata.is_file() {
        return Err(format!("{path} is not a file"));
    }
    Ok(metadata.len())
}

/// The body: chunks a reader task sends as it reads the file.
struct FileBody {
    chunks: mpsc::Receiver<io::Result<Bytes>>,
    size: u64,
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.chunks
            .poll_recv(cx)
            .map(|chunk| chunk.map(|chunk| chunk.map(Frame::data)))
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.size)
    }
}

/// Reads `size` bytes of `path` into `chunks`, calling `progress` with the
/// bytes read so far; a file that changed size meanwhile is an error.
async fn read_file(
    path: String,
    size: u64,
    chunks: mpsc::Sender<io::Result<Bytes>>,
    progress: impl Fn(u64) + Send,
) {
    let mut file = match tokio::fs::File::open(&path).await {
        Ok(file) => file,
        Err(e) => {
            let _ = chunks.send(Err(e)).await;
            return;
        }
    };
    let mut read = 0u64;
    let mut buffer = vec![0u8; CHUNK];
    loop {
        let n = match file.read(&mut buffer).await {
            Ok(n) => n,
            Err(e) => {
                let _ = chunks.send(Err(e)).await;
                return;
            }
        };
        if n == 0 {
            break;
        }
        read += n as u64;
        if read > size {
            break;
        }
        if chunks
            .send(Ok(Bytes::copy_from_slice(&buffer[..n])))
            .await
            .is_err()
        {
            return;
        }
        progress(read);
    }
    if read != size {
        let error = io::Error::other(format!("{path} changed size while it was sent"));
        let _ = chunks.send(Err(error)).await;
    }
}

/// Sends the file (UPLOAD-06), calling `progress` with the bytes sent so
/// far. `Ok` only for HTTP 201.
pub async fn put(
    put: Put,
    tls: Arc<ClientConfig>,
    allow_http: bool,
    progress: impl Fn(u64) + Send + 'static,
) -> Result<(), String> {
    let url = url::Url::parse(&put.url).map_err(|e| format!("bad upload URL: {e}"))?;
    let https = match url.scheme() {
        "https" => true,
        "http" if allow_http => false,
        _ => return Err("refused: the upload URL is not https".to_owned()),
    };
    let host = url
        .host_str()
        .ok_or_else(|| "the upload URL names no host".to_owned())?
        .to_owned();
    let port = url
        .port_or_known_default()
        .ok_or_else(|| "the upload URL names no port".to_owned())?;
    let authority = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.clone(),
    };
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let mut request = hyper::Request::builder()
        .method(hyper::Method::PUT)
        .uri(target)
        .header(hyper::header::HOST, authority)
        .header(hyper::header::CONTENT_LENGTH, put.size);
    if let Some(content_type) = &put.content_type {
        request = request.header(hyper::header::CONTENT_TYPE, content_type);
    }
    for (name, value) in &put.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let (sender, chunks) = mpsc::channel(4);
    let request = request
        .body(FileBody {
            chunks,
            size: put.size,
        })
        .map_err(|e| format!("cannot build the upload request: {e}"))?;
    // TCP (and TLS) first, so a refused connection reads no file.
    let bare = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((bare.as_str(), port)))
        .await
        .map_err(|_| format!("connecting to {host}:{port} timed out"))?
        .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
    let reader = tokio::spawn(read_file(put.path.clone(), put.size, sender, progress));
    let status = if https {
        let name = ServerName::try_from(bare.clone())
            .map_err(|_| format!("{host} is not a valid TLS server name"))?;
        let tls = tokio::time::timeout(CONNECT_TIMEOUT, TlsConnector::from(tls).connect(name, tcp))
            .await
            .map_err(|_| format!("TLS with {host} timed out"))?
            .map_err(|e| format!("TLS with {host} failed: {e}"))?;
        send(tls, request).await
    } else {
        send(tcp, request).await
    };
    reader.abort();
    let status = status?;
    if status == hyper::StatusCode::CREATED {
        Ok(())
    } else {
        Err(format!("the upload service answered HTTP {status}"))
    }
}

/// Sends `request` on one HTTP/1.1 connection and returns the status.
async fn send<S>(io: S, request: hyper::Request<FileBody>) -> Result<hyper::StatusCode, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("HTTP failed: {e}"))?;
    let driver = tokio::spawn(connection);
    let response = sender.send_request(request).await;
    let result = match response {
        Ok(response) => {
            let status = response.status();
            // The answer's body is not needed; read a little of it so the
            // connection ends cleanly, but never wait long.
            let _ =
                tokio::time::timeout(Duration::from_secs(5), response.into_body().collect()).await;
            Ok(status)
        }
        Err(e) => Err(format!("the upload failed: {e}")),
    };
    driver.abort();
    result
}
