with

source as (

    select * from {{ source_or_empty('meta', 'ingest_log') }}

),

renamed as (

    select
        -- keys
        -- national files (djpk, bps kab/kota) carry every pemda: the deployment's default pemda
        coalesce(nullif(kode_pemda, ''), '{{ var("kode_pemda_kota") }}') as kode_pemda,
        sha256,
        berkas,
        sistem,
        tabel,
        tahun,
        pengirim,
        periode,

        -- attributes
        status,
        format,
        kontrak_id,
        kontrak_versi,
        pesan,
        raw_path,
        karantina_path,
        umpan_balik_path,
        run_id,

        -- numbers
        ukuran_byte,
        baris_dibaca,
        baris_dimuat,
        baris_karantina,
        baris_diabaikan,

        -- timestamps (UTC)
        diterima_pada,
        dimuat_pada,
        row_number() over (
            partition by
                coalesce(nullif(kode_pemda, ''), '{{ var("kode_pemda_kota") }}'),
                sistem,
                tabel,
                tahun,
                pengirim,
                periode,
                status
            order by dimuat_pada desc
        ) = 1 and status = 'dimuat' as is_versi_berlaku

    from source

)

select * from renamed
